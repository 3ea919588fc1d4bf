/** Compile and run specs: the glue from spec files to RunResults (used by the CLI, the vitest helper and the API). */
import { resolve } from 'node:path';
import { CircuitspecError, CircuitspecErrors } from '../errors.js';
import { compileFile, type CompileOptions } from '../dsl/compile.js';
import type { EventSink } from '../plan/events.js';
import { runFailed, summarize, type RunResults, type SpecResult } from '../plan/results.js';
import { selectClaims, type Selection } from '../plan/select.js';
import { perModel, taskKey } from '../plan/per-model.js';
import type { Plan } from '../plan/types.js';
import type { PromptSet } from '../runtime/tasks/types.js';
import { executePlan } from '../runtime/executor/execute.js';
import { preflight } from '../runtime/executor/preflight.js';
import type { Runtime } from '../runtime/executor/runtime.js';

export interface RunOptions extends CompileOptions, Selection {
  bail?: boolean;
  /** Re-hash cached model downloads (`--verify`). */
  verify?: boolean;
  runtime?: Runtime;
  onEvent?: EventSink;
  /** Record role-to-role attention per task for reports (see ExecuteOptions.attention). */
  attention?: boolean;
}

/** An error without a file of its own (an IOI generator's, a backend's) is located at the spec. */
function inSpec(plan: Plan, e: CircuitspecError): CircuitspecError {
  if (e instanceof CircuitspecErrors) return new CircuitspecErrors(e.errors.map((x) => inSpec(plan, x)));
  return e.location.file ? e : new CircuitspecError(e.message, { ...e.location, file: plan.spec.file });
}

/**
 * The input checks `validate` and `run` share (preflight.ts): the spec's warnings, or its errors located at the
 * spec, a task file or the checkpoint. A plan with no steps left (every claim filtered out) loads nothing.
 */
export async function checkInputs(plan: Plan): Promise<{ warnings: string[]; prebuilt?: Map<string, PromptSet> }> {
  if (!plan.steps.length) return { warnings: [] };
  try {
    // Several models: each model's tasks are built and checked with that model's tokenizer.
    const warnings: string[] = [];
    const prebuilt = new Map<string, PromptSet>();
    for (const part of perModel(plan)) {
      if (!part.steps.length) continue;
      const r = await preflight(part);
      warnings.push(...r.warnings);
      if (r.exact) for (const t of part.tasks) if (r.tasks.has(t.name)) prebuilt.set(taskKey(t), r.tasks.get(t.name)!);
    }
    return { warnings, ...(prebuilt.size > 0 && { prebuilt }) };
  } catch (e) {
    throw e instanceof CircuitspecError ? inSpec(plan, e) : e;
  }
}

/** `--model SRC` on a spec with several models replaced every one of them: say what its comparisons then mean. */
function overrideWarnings(plan: Plan, opts: RunOptions): string[] {
  if (!plan.models || plan.models.length < 2 || opts.model === undefined || /^[A-Za-z_][A-Za-z0-9_]*=/.test(opts.model)) return [];
  return [`--model ${opts.model} replaced all ${plan.models.length} models (${plan.models.map((m) => m.name).join(', ')}): claims comparing them compare one model with itself (--model name=source,… replaces them one by one)`];
}

/** Preflight's prompt sets serve the run, unless the caller brought its own runtime (which builds its own). */
function reuse(c: Awaited<ReturnType<typeof checkInputs>>, opts: RunOptions, plan: Plan) {
  return { warnings: [...overrideWarnings(plan, opts), ...c.warnings], ...(!opts.runtime && c.prebuilt && { prebuilt: c.prebuilt }) };
}

/** `--filter`/`--tag` that select nothing are a usage error, not a vacuous pass. */
function checkSelection(plans: Plan[], opts: Selection): void {
  if (!(opts.filter || opts.tags?.length) || plans.some((p) => p.claims.length > 0)) return;
  const what = [opts.filter && `--filter ${opts.filter}`, opts.tags?.length && `--tag ${opts.tags.join(', ')}`].filter(Boolean).join(' and ');
  throw new CircuitspecError(`${what} matched no claim in ${plans.length} spec(s) (claims are named "spec name > claim name")`);
}

/** One spec file → its results. Spec and input errors (syntax, names, task data) throw before anything runs. */
export async function runSpec(file: string, opts: RunOptions = {}): Promise<SpecResult> {
  const plan = compileFile(resolve(file), opts);
  const { plan: selected, dropped } = selectClaims(plan, opts);
  checkSelection([selected], opts);
  const checked = await checkInputs(selected);
  return executePlan(selected, { runtime: opts.runtime, onEvent: opts.onEvent, bail: opts.bail, verify: opts.verify, dropped, attention: opts.attention, ...reuse(checked, opts, selected) });
}

/** Compiles and checks every spec first (so a bad input stops the run before any model loads), then runs them. */
export async function runSpecs(files: string[], opts: RunOptions = {}): Promise<RunResults> {
  const t0 = performance.now();
  const plans = files.map((f) => selectClaims(compileFile(resolve(f), opts), opts));
  checkSelection(plans.map((p) => p.plan), opts);
  const checked: Awaited<ReturnType<typeof checkInputs>>[] = [];
  const errors: CircuitspecError[] = [];
  for (const { plan } of plans) {
    try {
      checked.push(await checkInputs(plan));
    } catch (e) {
      if (!(e instanceof CircuitspecError)) throw e;
      errors.push(...(e instanceof CircuitspecErrors ? e.errors : [e]));
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0] : new CircuitspecErrors(errors);
  const specs: SpecResult[] = [];
  for (const [i, { plan, dropped }] of plans.entries()) {
    if (opts.bail && specs.length && runFailed(summarize(specs))) break;
    specs.push(await executePlan(plan, { runtime: opts.runtime, onEvent: opts.onEvent, bail: opts.bail, verify: opts.verify, dropped, attention: opts.attention, ...reuse(checked[i], opts, plan) }));
  }
  const results: RunResults = { version: 1, specs, summary: summarize(specs), durationMs: performance.now() - t0 };
  opts.onEvent?.({ type: 'run-end', results });
  return results;
}

export { CircuitspecError };
