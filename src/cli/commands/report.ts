/** `circuitspec report a.json [b.json…] --out report.html`: saved results as an HTML page; several → a comparison. */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CircuitspecError } from '../../errors.js';
import { renderComparison, renderReport, type Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';
import { readResults } from './diff.js';

/** Short column labels: file names, or whole paths when two share a name. */
function labels(paths: string[]): string[] {
  const names = paths.map((p) => basename(p).replace(/\.json$/, ''));
  return new Set(names).size === names.length ? names : paths;
}

export async function reportCommand(args: CliArgs, io: Output): Promise<number> {
  if (!args.paths.length) throw new CircuitspecError('report takes results files (written by run --out): circuitspec report results.json --out report.html');
  const runs = args.paths.map(readResults);
  const names = labels(args.paths);
  const page = runs.length === 1 ? renderReport(runs[0]) : renderComparison(runs.map((results, i) => ({ label: names[i], results })));
  if (!args.out) {
    io.out(page);
    return 0;
  }
  try {
    writeFileSync(args.out, page);
  } catch (e) {
    throw new CircuitspecError(`cannot write the report: ${(e as Error).message}`, { file: args.out });
  }
  io.err(`wrote ${args.out} (${Math.round(Buffer.byteLength(page) / 1024)} KB)\n`);
  return 0;
}
