/**
 * Spec → Plan. Every name resolves here, before any model loads: unknown tasks, metrics, interventions, circuits,
 * roles, functions and hooks, and heads outside the model, are errors located in the spec file.
 */
import { dirname, resolve } from 'node:path';
import { CircuitspecError } from '../errors.js';
import type { Plan, PlanClaim, Tol } from '../plan/types.js';
import { compileClaimExpr, type ClaimScope } from './compile/claims.js';
import { compileCircuit } from './compile/circuits.js';
import { CompileContext, isError } from './compile/context.js';
import { compileIntervention, type CompiledIntervention } from './compile/interventions.js';
import { argsFromSpec, buildMetric, TABLE_KINDS } from './compile/metrics.js';
import { checkSizes } from './compile/sizes.js';
import { StepGraph } from './compile/steps.js';
import { compileTask, hasCorruption } from './compile/tasks.js';
import { parseExpr } from './expr/index.js';
import { KEYWORDS } from './expr/lexer.js';
import { loadSpec, parseSpec, type LoadedSpec } from './load.js';
import { resolveModel } from './model-shape.js';
import { batchSizeFor } from './memory.js';
import { chooseWorkers } from './workers.js';
import { estimatePlan, promptPasses } from '../plan/estimate.js';
import { SpecErrors } from './validate.js';

export interface CompileOptions {
  /** Overrides the spec's model (how one spec runs across model versions). */
  model?: string;
  backend?: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
  seed?: number;
  batchSize?: number;
  /** Use only the first N prompts of every task (a slice to try before the full run). */
  limit?: number;
  /** Worker threads (overrides the spec's `workers:`). */
  workers?: number;
}

export function compileFile(path: string, opts: CompileOptions = {}): Plan {
  return compileSpec(loadSpec(path), resolve(path), opts);
}

export function compileText(file: string, text: string, opts: CompileOptions = {}): Plan {
  return compileSpec(parseSpec(file, text), resolve(file), opts);
}

/** Runs each item's compile, gathering errors so one run reports all of them. */
class Errors {
  list: CircuitspecError[] = [];
  try<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!isError(e)) throw e;
      this.list.push(...(e instanceof SpecErrors ? e.errors : [e]));
      return undefined;
    }
  }
  throwIfAny(): void {
    if (this.list.length === 1) throw this.list[0];
    if (this.list.length > 1) throw new SpecErrors(this.list);
  }
}

export function compileSpec(loaded: LoadedSpec, absPath: string, opts: CompileOptions = {}): Plan {
  const { spec, yaml } = loaded;
  const baseDir = dirname(absPath);
  const errors = new Errors();

  const modelSource = opts.model ?? spec.model.source;
  let model;
  try {
    model = opts.model ? resolveModel(opts.model, [process.cwd()]) : resolveModel(spec.model.source, [baseDir, process.cwd()]);
  } catch (e) {
    if (!isError(e) || opts.model) throw e;
    const r = yaml.at(['model', 'source']);
    throw yaml.source.error(e.message, r?.value[0], 'model.source');
  }
  const ctx = new CompileContext(yaml, spec, model.shape, modelSource);
  ctx.baseDir = baseDir;
  const seed = opts.seed ?? spec.seed ?? 0;

  // One namespace for everything expressions can name.
  const owners = new Map<string, string>();
  for (const section of ['tasks', 'interventions', 'metrics', 'circuits'] as const) {
    for (const name of Object.keys(spec[section] ?? {})) {
      const blame = ctx.at([section, name], true);
      if (KEYWORDS.includes(name)) errors.list.push(blame(`'${name}' is a keyword of the expression language: pick another name`));
      else if (owners.has(name)) errors.list.push(blame(`'${name}' is already the name of a ${owners.get(name)}: names must be unique across tasks, interventions, metrics and circuits`));
      else owners.set(name, section.slice(0, -1));
    }
  }
  if (Object.keys(spec.expect).length === 0) errors.list.push(ctx.at(['expect'], true)('expect has no claims: a spec that checks nothing would pass vacuously'));
  errors.throwIfAny();

  for (const [name, t] of Object.entries(spec.tasks ?? {})) {
    errors.try(() => ctx.tasks.set(name, compileTask(ctx, name, t, seed, baseDir)));
  }
  const interventions = new Map<string, CompiledIntervention>();
  for (const [name, iv] of Object.entries(spec.interventions ?? {})) {
    errors.try(() => interventions.set(name, compileIntervention(ctx, name, iv)));
  }
  errors.throwIfAny();
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new CircuitspecError(`limit must be a whole number of prompts >= 1, got ${opts.limit}`, { field: 'limit' });
    for (const t of ctx.tasks.values()) {
      t.limit = opts.limit;
      t.prompts = Math.min(t.prompts ?? opts.limit, opts.limit);
    }
  }

  const graph = new StepGraph(model.shape.nLayers, ctx.tasks);
  const corruptionBlame = (task: string | undefined, what: string, blame: (m: string) => CircuitspecError) => {
    const t = task ? spec.tasks?.[task] : undefined;
    if (t && hasCorruption(t) === false) throw blame(`${what} needs corrupted prompts but task '${task}' has none: add 'corruption:' to the task`);
  };
  const metrics: ClaimScope['metrics'] = new Map();
  for (const [name, m] of Object.entries(spec.metrics ?? {})) {
    errors.try(() => {
      const built = buildMetric(ctx, argsFromSpec(ctx, name, m), interventions);
      if (built.needsCorrupted) corruptionBlame(built.task, `metric '${name}'`, ctx.at(['metrics', name], true));
      metrics.set(name, { id: graph.metric(name, built.request, built.needsCorrupted, true), type: TABLE_KINDS.has(m.kind) ? 'table' : 'number' });
    });
  }
  const circuits: ClaimScope['circuits'] = new Map();
  for (const [name, c] of Object.entries(spec.circuits ?? {})) {
    errors.try(() => {
      const cc = compileCircuit(ctx, name, c);
      if (cc.stages.length) corruptionBlame(cc.task, `circuit '${name}'`, ctx.at(['circuits', name], true));
      circuits.set(name, { id: graph.circuit(name, cc.stages.length ? cc.task : undefined, cc.stages, cc.declared), roles: cc.roles });
    });
  }
  errors.throwIfAny();

  const claims: PlanClaim[] = [];
  const specTags = spec.tags ?? [];
  for (const [name, c] of Object.entries(spec.expect)) {
    errors.try(() => {
      const path = ['expect', name, 'assert'];
      const origin = ctx.origin(path, c.assert);
      const defaultTol: Tol | undefined = c.tolerance === undefined ? undefined
        : typeof c.tolerance === 'number' ? { abs: c.tolerance } : { rel: Number(c.tolerance.slice(0, -1)) / 100 };
      const scope: ClaimScope = { ctx, graph, interventions, metrics, circuits, origin, defaultTol, needs: new Set() };
      const expr = compileClaimExpr(parseExpr(c.assert, origin), scope);
      for (const id of scope.needs) {
        const step = graph.steps.find((s) => s.id === id);
        if (step?.kind === 'metric' && 'task' in step.request) {
          const needsCorrupted = step.deps.includes(`corrupted:${step.request.task}`);
          if (needsCorrupted) corruptionBlame(step.request.task, step.name, (m) => origin.error(m, 0));
        }
      }
      const mode = c.skip ? 'skip' : c.xfail ? 'xfail' : 'run';
      const reason = mode === 'skip' && typeof c.skip === 'string' ? c.skip : mode === 'xfail' && typeof c.xfail === 'string' ? c.xfail : undefined;
      const needs = [...scope.needs];
      graph.claim(name, needs);
      claims.push({
        name, assert: c.assert, expr, mode, ...(reason && { reason }), only: c.only ?? false,
        tags: [...new Set([...specTags, ...(c.tags ?? [])])],
        ...(c.description && { description: c.description }), ...(c.ref && { ref: c.ref }),
        needs, at: ctx.location(['expect', name]),
      });
    });
  }
  errors.throwIfAny();

  const used = [...ctx.tasks.values()].filter((t) => graph.has(`task:${t.name}`));
  const sizes = () => checkSizes(model.shape, used, graph.steps, (task) => ctx.at(['tasks', task, spec.tasks?.[task] && 'n' in spec.tasks[task] ? 'n' : 'source']), ctx.at(['name']));
  sizes(); // memory first: an absurd n must not reach the estimate, which walks every batch

  const batchSize = opts.batchSize ?? spec.batchSize ?? batchSizeFor(spec.memory, model.shape, [...ctx.tasks.values()]);
  const tasks = [...ctx.tasks.values()].filter((t) => graph.has(`task:${t.name}`));
  const plan: Plan = {
    version: 1,
    spec: {
      name: spec.name, ...(spec.description && { description: spec.description }), file: loaded.file, sha256: loaded.sha256,
      ...(spec.paper && { paper: spec.paper }), tags: specTags,
    },
    model: { source: model.source, processing: spec.model.processing ?? 'none', backend: opts.backend ?? spec.model.backend ?? 'auto', shape: model.shape },
    seed,
    batchSize,
    ...(opts.limit !== undefined && { limit: opts.limit }),
    workers: chooseWorkers(
      opts.workers !== undefined ? { count: opts.workers, from: 'asked for' } : spec.workers !== undefined ? { count: spec.workers, from: "the spec's workers:" } : undefined,
      model.shape, batchSize, tasks,
    ),
    tasks,
    steps: graph.steps,
    claims,
    estimate: { forwardPasses: 0, prompts: tasks.reduce((a, t) => a + (t.prompts ?? 0), 0) },
  };
  for (const e of estimatePlan(plan)) plan.steps.find((st) => st.id === e.id)!.forwardPasses = promptPasses(e, plan);
  plan.estimate.forwardPasses = plan.steps.reduce((a, st) => a + st.forwardPasses, 0);
  sizes(); // and time, now that each step's forward passes are known
  return plan;
}
