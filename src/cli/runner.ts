/** Compile and run specs: the glue from spec files to RunResults (used by the CLI, the vitest helper and the API). */
import { resolve } from 'node:path';
import { CircuitspecError } from '../errors.js';
import { compileFile, type CompileOptions } from '../dsl/compile.js';
import type { EventSink } from '../plan/events.js';
import { runFailed, summarize, type RunResults, type SpecResult } from '../plan/results.js';
import { selectClaims, type Selection } from '../plan/select.js';
import { executePlan } from '../runtime/executor/execute.js';
import type { Runtime } from '../runtime/executor/runtime.js';

export interface RunOptions extends CompileOptions, Selection {
  bail?: boolean;
  runtime?: Runtime;
  onEvent?: EventSink;
  /** Record role-to-role attention per task for reports (see ExecuteOptions.attention). */
  attention?: boolean;
}

/** One spec file → its results. Spec errors (syntax, names) throw CircuitspecError before anything runs. */
export async function runSpec(file: string, opts: RunOptions = {}): Promise<SpecResult> {
  const plan = compileFile(resolve(file), opts);
  const { plan: selected, dropped } = selectClaims(plan, opts);
  return executePlan(selected, { runtime: opts.runtime, onEvent: opts.onEvent, bail: opts.bail, dropped, attention: opts.attention });
}

/** Compiles every spec first (so a spec error stops the run before any model loads), then runs them in order. */
export async function runSpecs(files: string[], opts: RunOptions = {}): Promise<RunResults> {
  const t0 = performance.now();
  const plans = files.map((f) => selectClaims(compileFile(resolve(f), opts), opts));
  const specs: SpecResult[] = [];
  for (const { plan, dropped } of plans) {
    if (opts.bail && specs.length && runFailed(summarize(specs))) break;
    specs.push(await executePlan(plan, { runtime: opts.runtime, onEvent: opts.onEvent, bail: opts.bail, dropped, attention: opts.attention }));
  }
  const results: RunResults = { version: 1, specs, summary: summarize(specs), durationMs: performance.now() - t0 };
  opts.onEvent?.({ type: 'run-end', results });
  return results;
}

export { CircuitspecError };
