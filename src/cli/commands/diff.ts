/** `circuitspec diff a.json b.json`: what changed between two results files; exit 1 when a claim newly fails. */
import { readFileSync } from 'node:fs';
import { CircuitspecError } from '../../errors.js';
import type { RunResults } from '../../plan/results.js';
import { diffResults, formatDiff, type Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';

export function readResults(file: string): RunResults {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CircuitspecError(`cannot read results: ${(e as Error).message}`, { file });
  }
  const r = data as Partial<RunResults>;
  if (!r || r.version !== 1 || !Array.isArray(r.specs)) throw new CircuitspecError('not a circuitspec results file (written by run --out)', { file });
  return r as RunResults;
}

export async function diffCommand(args: CliArgs, io: Output): Promise<number> {
  if (args.paths.length !== 2) throw new CircuitspecError('diff takes two results files: circuitspec diff a.json b.json');
  const [a, b] = args.paths.map(readResults);
  const entries = diffResults(a, b, args.tolerance !== undefined ? { tol: { abs: args.tolerance } } : {});
  io.out(args.json ? JSON.stringify(entries, null, 2) + '\n' : formatDiff(entries, io.color));
  return entries.some((e) => e.kind === 'newly-failing') ? 1 : 0;
}
