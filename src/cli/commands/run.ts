/** `circuitspec run`: find specs, compile and check them all, run them, report; exit 1 if any claim failed. */
import type { RunEvent } from '../../plan/events.js';
import { runFailed } from '../../plan/results.js';
import { ProgressBar, REPORTERS, type Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';
import { defaultPaths, findSpecs } from '../find.js';
import { checkOutPath, writeAtomic } from '../out-file.js';
import { runSpecs } from '../runner.js';
import { CircuitspecError } from '../../errors.js';

export async function runCommand(args: CliArgs, io: Output): Promise<number> {
  const files = findSpecs(defaultPaths(args.paths));
  if (!files.length) throw new CircuitspecError(`no *.spec.yaml files in ${args.paths.join(', ') || 'the current folder'}`);
    if (args.out) checkOutPath(args.out);
    // A document reporter (html) writes its page to --out; the terminal still gets the default report.
    const doc = REPORTERS[args.reporter].document;
    if (doc && !args.out) throw new CircuitspecError(`--reporter ${args.reporter} writes a file: add --out report.${doc}`);
    let page = '';
    const listeners = [new ProgressBar(io), new REPORTERS[doc ? 'default' : args.reporter](io)];
    if (doc) listeners.push(new REPORTERS[args.reporter]({ ...io, out: (t) => void (page += t) }));
    const onEvent = (e: RunEvent) => {
      if (e.type === 'warning') io.err(`warning: ${e.spec}: ${e.message}\n`);
      listeners.forEach((l) => l.onEvent(e));
    };
    const results = await runSpecs(files, {
      model: args.model, backend: args.backend, seed: args.seed, batchSize: args.batchSize, limit: args.limit, workers: args.workers,
      filter: args.filter, tags: args.tags, bail: args.bail, verify: args.verify, onEvent,
      // Saved results and pages get role attention too (one extra clean batch per task), so a report can draw it.
      attention: !!args.out,
    });
    if (args.out) writeAtomic(args.out, doc ? page : JSON.stringify(results, null, 2) + '\n');
    // A checkpoint or task file that fails while loading is bad input (2), not a failed claim (1); its one line
    // also goes to stderr, where every other input error is.
    const bad = results.specs.filter((s) => s.inputError);
    for (const s of bad) io.err(`${s.error}\n`);
    if (bad.length) return 2;
  return runFailed(results.summary) ? 1 : 0;
}
