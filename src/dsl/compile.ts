/**
 * Spec → Plan. Every name resolves here, before any model loads: unknown tasks, metrics, interventions, circuits,
 * roles, functions and hooks, and heads outside the model, are errors located in the spec file.
 */
import { dirname, resolve } from 'node:path';
import { CircuitspecError } from '../errors.js';
import type { NamedPlanModel, Plan, PlanClaim, PlanStep, Tol } from '../plan/types.js';
import { perModel } from '../plan/per-model.js';
import { compileClaimExpr, type ClaimScope } from './compile/claims.js';
import { compileCircuit } from './compile/circuits.js';
import { CompileContext, isError } from './compile/context.js';
import { compileIntervention, type CompiledIntervention } from './compile/interventions.js';
import { argsFromSpec, buildMetric, metricType } from './compile/metrics.js';
import { checkSizes } from './compile/sizes.js';
import { StepGraph } from './compile/steps.js';
import { compileTask, hasCorruption } from './compile/tasks.js';
import { parseExpr } from './expr/index.js';
import { KEYWORDS } from './expr/lexer.js';
import { loadSpec, parseSpec, type LoadedSpec } from './load.js';
import { onModels, specModels, widestShape, type SpecModel } from './compile/models.js';
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
    // With several models an intervention compiles once per model: the same mistake is reported once.
    this.list = this.list.filter((e, i) => this.list.findIndex((x) => x.format() === e.format()) === i);
    if (this.list.length === 1) throw this.list[0];
    if (this.list.length > 1) throw new SpecErrors(this.list);
  }
}

export function compileSpec(loaded: LoadedSpec, absPath: string, opts: CompileOptions = {}): Plan {
  const { spec, yaml } = loaded;
  const baseDir = dirname(absPath);
  const errors = new Errors();

  const models = specModels(yaml, spec, baseDir, opts.model);
  const several = models[0].name !== undefined;
  // Claims across models check literal heads against the widest of them; each model's own steps against its own.
  const claimCtx = new CompileContext(yaml, spec, several ? widestShape(models.map((m) => m.resolved.shape)) : models[0].resolved.shape, several ? 'the largest model' : models[0].label);
  claimCtx.baseDir = baseDir;
  const seed = opts.seed ?? spec.seed ?? 0;

  // One namespace for everything expressions can name.
  const owners = new Map<string, string>();
  for (const section of ['tasks', 'interventions', 'metrics', 'circuits'] as const) {
    for (const name of Object.keys(spec[section] ?? {})) {
      const blame = claimCtx.at([section, name], true);
      if (KEYWORDS.includes(name)) errors.list.push(blame(`'${name}' is a keyword of the expression language: pick another name`));
      else if (owners.has(name)) errors.list.push(blame(`'${name}' is already the name of a ${owners.get(name)}: names must be unique across tasks, interventions, metrics and circuits`));
      else owners.set(name, section.slice(0, -1));
    }
  }
  if (Object.keys(spec.expect).length === 0) errors.list.push(claimCtx.at(['expect'], true)('expect has no claims: a spec that checks nothing would pass vacuously'));
  errors.throwIfAny();

  /** Which models each task, metric and circuit runs on (`on:`). */
  const on = (section: 'tasks' | 'metrics' | 'circuits', name: string, value: { on?: string | string[] }) =>
    onModels(value.on, models, claimCtx.at([section, name, 'on']));
  const taskOn = new Map<string, (string | undefined)[]>();
  for (const [name, t] of Object.entries(spec.tasks ?? {})) errors.try(() => taskOn.set(name, on('tasks', name, t)));
  errors.throwIfAny();

  const units: Unit[] = models.map((m) => {
    const ctx = new CompileContext(yaml, spec, m.resolved.shape, m.label);
    ctx.baseDir = baseDir;
    for (const [name, t] of Object.entries(spec.tasks ?? {})) {
      if (taskOn.get(name)!.includes(m.name)) errors.try(() => ctx.tasks.set(name, { ...compileTask(ctx, name, t, seed, baseDir), ...(several && { model: m.name }) }));
    }
    const interventions = new Map<string, CompiledIntervention>();
    for (const [name, iv] of Object.entries(spec.interventions ?? {})) {
      errors.try(() => {
        if (onModels(iv.on, models, claimCtx.at(['interventions', name, 'on'])).includes(m.name)) interventions.set(name, compileIntervention(ctx, name, iv, seed));
      });
    }
    return { model: m, ctx, interventions, graph: new StepGraph(m.resolved.shape.nLayers, ctx.tasks, m.name) };
  });
  errors.throwIfAny();
  for (const u of units) for (const t of u.ctx.tasks.values()) claimCtx.tasks.set(t.name, t);
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new CircuitspecError(`limit must be a whole number of prompts >= 1, got ${opts.limit}`, { field: 'limit' });
    for (const t of units.flatMap((u) => [...u.ctx.tasks.values()])) {
      t.limit = opts.limit;
      t.prompts = Math.min(t.prompts ?? opts.limit, opts.limit);
    }
  }

  const corruptionBlame = (task: string | undefined, what: string, blame: (m: string) => CircuitspecError) => {
    const t = task ? spec.tasks?.[task] : undefined;
    if (t && hasCorruption(t) === false) throw blame(`${what} needs corrupted prompts but task '${task}' has none: add 'corruption:' to the task`);
  };
  /** A metric or circuit on a model its task is not on: say so, rather than 'unknown task'. */
  const taskOnModel = (task: string | undefined, what: string, u: Unit, blame: (m: string) => CircuitspecError) => {
    if (task !== undefined && taskOn.has(task) && !u.ctx.tasks.has(task)) {
      throw blame(`${what} runs on ${u.model.name} but task '${task}' is not on it (task '${task}' is on ${taskOn.get(task)!.join(', ')}): add ${u.model.name} to the task's on: or pick the metric's`);
    }
  };
  const metrics: ClaimScope['metrics'] = new Map();
  const circuits: ClaimScope['circuits'] = new Map();
  for (const [name, m] of Object.entries(spec.metrics ?? {})) {
    errors.try(() => {
      const where = on('metrics', name, m);
      for (const u of units.filter((x) => where.includes(x.model.name))) {
        const blame = claimCtx.at(['metrics', name], true);
        taskOnModel('task' in m ? m.task : m.tokensFrom, `metric '${name}'`, u, blame);
        const built = buildMetric(u.ctx, argsFromSpec(u.ctx, name, m), u.interventions);
        if (built.needsCorrupted) corruptionBlame(built.task, `metric '${name}'`, blame);
        register(metrics, name, u.model.name, where.length, { id: u.graph.metric(qualified(name, u.model.name), built.request, built.needsCorrupted, true), type: metricType(built.request) });
      }
    });
  }
  for (const [name, c] of Object.entries(spec.circuits ?? {})) {
    errors.try(() => {
      const where = on('circuits', name, c);
      for (const u of units.filter((x) => where.includes(x.model.name))) {
        const blame = claimCtx.at(['circuits', name], true);
        taskOnModel(c.task, `circuit '${name}'`, u, blame);
        const cc = compileCircuit(u.ctx, name, c);
        if (cc.stages.length) corruptionBlame(cc.task, `circuit '${name}'`, blame);
        register(circuits, name, u.model.name, where.length, { id: u.graph.circuit(qualified(name, u.model.name), cc.stages.length ? cc.task : undefined, cc.stages, cc.declared), roles: cc.roles });
      }
    });
  }
  errors.throwIfAny();

  const claims: PlanClaim[] = [];
  const claimSteps: PlanStep[] = [];
  const specTags = spec.tags ?? [];
  const stepOf = new Map<string, PlanStep>();
  for (const [name, c] of Object.entries(spec.expect)) {
    errors.try(() => {
      const path = ['expect', name, 'assert'];
      const origin = claimCtx.origin(path, c.assert);
      const defaultTol: Tol | undefined = c.tolerance === undefined ? undefined
        : typeof c.tolerance === 'number' ? { abs: c.tolerance } : { rel: Number(c.tolerance.slice(0, -1)) / 100 };
      const scope: ClaimScope = {
        ctx: several ? claimCtx : units[0].ctx, graph: units[0].graph, interventions: units[0].interventions, metrics, circuits, origin, defaultTol, needs: new Set(),
        ...(several && { models: new Map(units.map((u) => [u.model.name!, { ctx: u.ctx, graph: u.graph, interventions: u.interventions }])) }),
      };
      const expr = compileClaimExpr(parseExpr(c.assert, origin), scope);
      for (const u of units) for (const st of u.graph.steps) stepOf.set(st.id, st);
      for (const id of scope.needs) {
        const step = stepOf.get(id);
        if (step?.kind === 'metric' && 'task' in step.request) {
          const needsCorrupted = step.deps.some((d) => d.endsWith(`corrupted:${(step.request as { task: string }).task}`));
          if (needsCorrupted) corruptionBlame(step.request.task, step.name, (m) => origin.error(m, 0));
        }
      }
      const mode = c.skip ? 'skip' : c.xfail ? 'xfail' : 'run';
      const reason = mode === 'skip' && typeof c.skip === 'string' ? c.skip : mode === 'xfail' && typeof c.xfail === 'string' ? c.xfail : undefined;
      const needs = [...scope.needs];
      // One model: a claim step follows the steps it reads. Several: claims run after every model's steps.
      if (several) claimSteps.push({ id: `claim:${name}`, kind: 'claim', claim: name, deps: needs, label: name, forwardPasses: 0 });
      else units[0].graph.claim(name, needs);
      claims.push({
        name, assert: c.assert, expr, mode, ...(reason && { reason }), only: c.only ?? false,
        tags: [...new Set([...specTags, ...(c.tags ?? [])])],
        ...(c.description && { description: c.description }), ...(c.ref && { ref: c.ref }),
        needs, at: claimCtx.location(['expect', name]),
      });
    });
  }
  errors.throwIfAny();

  const usedTasks = (u: Unit) => [...u.ctx.tasks.values()].filter((t) => u.graph.has(`task:${t.name}`));
  const sizes = () => {
    for (const u of units) checkSizes(u.model.resolved.shape, usedTasks(u), u.graph.steps, (task) => u.ctx.at(['tasks', task, spec.tasks?.[task] && 'n' in spec.tasks[task] ? 'n' : 'source']), claimCtx.at(['name']));
  };
  sizes(); // memory first: an absurd n must not reach the estimate, which walks every batch

  // Several models share one batch size and worker count: the most cautious of theirs.
  const batchSize = opts.batchSize ?? spec.batchSize ?? Math.min(...units.map((u) => batchSizeFor(spec.memory, u.model.resolved.shape, [...u.ctx.tasks.values()])));
  const asked = opts.workers !== undefined ? { count: opts.workers, from: 'asked for' } : spec.workers !== undefined ? { count: spec.workers, from: "the spec's workers:" } : undefined;
  const workers = units.map((u) => chooseWorkers(asked, u.model.resolved.shape, batchSize, usedTasks(u))).reduce((a, b) => (b.count < a.count ? b : a));
  const planModels: NamedPlanModel[] = units.map((u) => ({
    name: u.model.name ?? '', source: u.model.resolved.source, processing: u.model.entry.processing ?? 'none',
    backend: opts.backend ?? u.model.entry.backend ?? 'auto', shape: u.model.resolved.shape,
  }));
  const tasks = units.flatMap(usedTasks);
  const plan: Plan = {
    version: 1,
    spec: {
      name: spec.name, ...(spec.description && { description: spec.description }), file: loaded.file, sha256: loaded.sha256,
      ...(spec.paper && { paper: spec.paper }), tags: specTags,
    },
    model: (({ name: _, ...m }) => m)(planModels[0]),
    ...(several && { models: planModels }),
    seed,
    batchSize,
    ...(opts.limit !== undefined && { limit: opts.limit }),
    workers,
    tasks,
    steps: [...units.flatMap((u) => u.graph.steps), ...claimSteps],
    claims,
    estimate: { forwardPasses: 0, prompts: tasks.reduce((a, t) => a + (t.prompts ?? 0), 0) },
  };
  for (const sub of perModel(plan)) {
    for (const e of estimatePlan(sub)) sub.steps.find((st) => st.id === e.id)!.forwardPasses = promptPasses(e, sub);
  }
  plan.estimate.forwardPasses = plan.steps.reduce((a, st) => a + st.forwardPasses, 0);
  sizes(); // and time, now that each step's forward passes are known
  return plan;
}

interface Unit {
  model: SpecModel;
  ctx: CompileContext;
  interventions: Map<string, CompiledIntervention>;
  graph: StepGraph;
}

/** `name@model` with several models (results and reports show it so), plain `name` with one. */
const qualified = (name: string, model: string | undefined): string => (model === undefined ? name : `${name}@${model}`);

/**
 * Claims name a metric or circuit as `name@model`; plain `name` where it runs on one model only (or the spec
 * has one). A plain name on several models is left out, and claims.ts says which to pick.
 */
function register<T>(map: Map<string, T>, name: string, model: string | undefined, count: number, value: T): void {
  if (model !== undefined) map.set(`${name}@${model}`, value);
  if (count === 1) map.set(name, value);
}
