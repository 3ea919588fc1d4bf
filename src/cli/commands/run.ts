/** `circuitspec run`: find specs, compile them all, run them, report; exit 1 if any claim failed. */
import { writeFileSync } from 'node:fs';
import type { RunEvent } from '../../plan/events.js';
import { runFailed } from '../../plan/results.js';
import { ProgressBar, REPORTERS, type Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';
import { defaultPaths, findSpecs } from '../find.js';
import { runSpecs } from '../runner.js';
import { CircuitspecError } from '../../errors.js';

export async function runCommand(args: CliArgs, io: Output): Promise<number> {
  const files = findSpecs(defaultPaths(args.paths));
  if (!files.length) throw new CircuitspecError(`no *.spec.yaml files in ${args.paths.join(', ') || 'the current folder'}`);
  const listeners = [new ProgressBar(io), new REPORTERS[args.reporter](io)];
  const onEvent = (e: RunEvent) => listeners.forEach((l) => l.onEvent(e));
  const results = await runSpecs(files, {
    model: args.model, backend: args.backend, seed: args.seed, batchSize: args.batchSize, workers: args.workers,
    filter: args.filter, tags: args.tags, bail: args.bail, onEvent,
  });
  if (args.out) writeFileSync(args.out, JSON.stringify(results, null, 2) + '\n');
  return runFailed(results.summary) ? 1 : 0;
}
