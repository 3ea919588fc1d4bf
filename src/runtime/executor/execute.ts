/**
 * Runs a Plan against the runtime, step by step in plan order (dependencies come first), emitting events.
 * A failed step fails what depends on it (those claims get verdict 'error'); the rest still runs.
 */
import { CircuitspecError } from '../../errors.js';
import type { EventSink } from '../../plan/events.js';
import { taskKey, taskStepId } from '../../plan/per-model.js';
import type { ClaimResult, MetricResult, Provenance, SpecResult, StageInfo, TaskAttention } from '../../plan/results.js';
import type { CircuitStep, MetricStep, Plan, PlanClaim, PlanModel, PlanStep } from '../../plan/types.js';
import type { Circuit, CircuitStage, MetricValue } from '../experiments/types.js';
import type { PromptSet } from '../tasks/types.js';
import { nonFinite } from './finite.js';
import { erroredClaim, evaluateClaim, skippedClaim } from './claim.js';
import { environment, gitCommit, packageVersion } from './provenance.js';
import type { Runtime, RuntimeModel } from './runtime.js';

export interface ExecuteOptions {
  runtime?: Runtime;
  onEvent?: EventSink;
  /** Stop at the first failing claim; the rest are skipped. */
  bail?: boolean;
  /** Claims left out by selection, reported as skipped. */
  dropped?: PlanClaim[];
  /** Also record role-to-role attention per task (one extra clean run of a batch each), for the HTML report. */
  attention?: boolean;
  /** Re-hash cached model downloads before loading them. */
  verify?: boolean;
  /** Prompt sets already built (and checked) by preflight from these same sources, so they are not built twice (by taskKey). */
  prebuilt?: Map<string, PromptSet>;
  /** Warnings found before the run (preflight), reported with the spec's results. */
  warnings?: string[];
}

/** Steps that prepare a spec's inputs: their failure is reported once, for the spec, not once per claim. */
const SETUP_KINDS = new Set<PlanStep['kind']>(['load_model', 'build_task', 'check_task', 'clean_run', 'corrupted_run']);
/** Of those, the ones whose CircuitspecErrors are bad input (exit 2), not a failed claim. */
const INPUT_KINDS = new Set<PlanStep['kind']>(['load_model', 'build_task', 'check_task']);

const message = (e: unknown): string =>
  e instanceof CircuitspecError ? e.format() : process.env.CIRCUITSPEC_DEBUG ? String((e as Error).stack ?? e) : `internal error: ${(e as Error).message ?? String(e)}`;

export function toCircuitStages(step: CircuitStep, task: string): CircuitStage[] {
  return step.stages.map((s) => ({
    name: s.name,
    role: s.role,
    from: {
      kind: 'path_patch',
      task,
      receivers: s.receiver === 'logits' || 'resid' in s.receiver ? s.receiver : { heads: s.receiver.heads, input: s.receiver.input, positions: s.receiver.positions },
      ...(s.senderPositions && { senderPositions: s.senderPositions }), ...(s.allSenderPositions && { allSenderPositions: true }),
      ...(s.freezeMlps !== undefined && { freezeMlps: s.freezeMlps }),
      ...(s.sendersBelowReceivers !== undefined && { sendersBelowReceivers: s.sendersBelowReceivers }),
      ...(s.excludeReceivers !== undefined && { excludeReceivers: s.excludeReceivers }),
      ...(s.normalization !== undefined && { normalization: s.normalization }),
    },
    keep: s.keep,
    sign: s.sign,
    ...(s.receiver !== 'logits' && 'stages' in s.receiver && s.receiver.stages.length > 0 && { receiversFrom: s.receiver.stages }),
  }));
}

/** A circuit's stages as the report draws them. */
function stageInfo(step: CircuitStep): StageInfo[] {
  return step.stages.map((s) => {
    const r = s.receiver;
    if (r === 'logits') return { name: s.name, role: s.role, into: 'logits', receiverStages: [], receiverHeads: [] };
    if ('resid' in r) return { name: s.name, role: s.role, into: `blocks.${r.layer}.hook_${r.resid} at ${r.positions.join(', ')}`, receiverStages: [], receiverHeads: [] };
    return { name: s.name, role: s.role, into: `${r.input} at ${r.positions.join(', ')}`, receiverStages: r.stages, receiverHeads: r.heads.map((h) => `${h.layer}.${h.head}`) };
  });
}

/** Metrics that reduce per-prompt logits at END can share one pass over their task's batches. */
const SHARED_PASS_KINDS = new Set(['logit_diff', 'accuracy', 'answer_prob', 'prob_diff', 'patching_score']);
const taskOf = (s: MetricStep): string | undefined =>
  SHARED_PASS_KINDS.has(s.request.kind) && 'task' in s.request ? s.request.task : undefined;

/** A model's provenance: what was loaded (its weights' hash, processing, backend), or the plan's word for it. */
function identityOf(pm: PlanModel, model?: RuntimeModel): Provenance['model'] {
  return {
    source: pm.source,
    weightHash: model?.identity.weightHash ?? 'unknown',
    processing: model?.identity.processing ?? pm.processing,
    backend: model?.identity.backend ?? pm.backend,
    ...(model?.identity.adapter && { adapter: model.identity.adapter }),
  };
}

export async function executePlan(plan: Plan, opts: ExecuteOptions = {}): Promise<SpecResult> {
  const emit = opts.onEvent ?? (() => {});
  const workers = plan.workers?.count ?? 1;
  const runtime = opts.runtime
    ?? (workers > 1 ? await (await import('../workers/runtime.js')).poolRuntime(workers) : await (await import('./tfjs-runtime.js')).tfjsRuntime());
  const spec = plan.spec.name;
  const started = new Date().toISOString();
  const t0 = performance.now();
  emit({ type: 'spec-start', spec, file: plan.spec.file, claims: plan.claims.length, steps: plan.steps.length });

  const failed = new Map<string, string>(); // step id → why
  /** Metric steps that failed while computed with an earlier step's group: step id → why. */
  const groupFailed = new Map<string, string>();
  let setupError: string | undefined;
  let inputError = false;
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (warnings.includes(message)) return; // preflight may have found it already
    warnings.push(message);
    emit({ type: 'warning', spec, message });
  };
  const timings: Record<string, number> = {};
  const metricValues = new Map<string, MetricValue>();
  const circuits = new Map<string, Circuit>();
  const metrics: Record<string, MetricResult> = {};
  const circuitResults: Record<string, Circuit> = {};
  const claims: ClaimResult[] = [];
  const taskSets = new Map<string, PromptSet>();
  const claimByName = new Map(plan.claims.map((c) => [c.name, c]));
  const stepById = new Map(plan.steps.map((s) => [s.id, s]));
  const circuitStages: Record<string, StageInfo[]> = {};
  const attention: Record<string, TaskAttention> = {};
  let model: RuntimeModel | undefined;
  let ctx: unknown;
  let current = '';
  let bailed = false;
  const taskSeeds: Record<string, number> = {};
  for (const t of plan.tasks) if ('seed' in t.source) taskSeeds[t.name] = t.source.seed;
  /** With several models: each one's identity as loaded, by its name in the spec. */
  const identities: NonNullable<Provenance['models']> = {};
  let modelName: string | undefined;
  const planModel = (name: string | undefined): PlanModel => plan.models?.find((m) => m.name === name) ?? plan.model;

  const values = {
    metric: (id: string) => metricValues.get(id) ?? missing(id),
    circuit: (id: string) => circuits.get(id) ?? missing(id),
    request: (id: string) => {
      const s = stepById.get(id);
      return s?.kind === 'metric' ? s.request : undefined;
    },
  };
  const missing = (id: string): never => {
    throw new CircuitspecError(`step ${id} has no value`);
  };

  /**
   * The metric steps that can be computed together with `step`: same task, not yet computed, and every
   * dependency already run without failure — one pass over the task's batches then serves them all.
   */
  const metricGroup = (step: MetricStep): MetricStep[] => {
    const task = taskOf(step);
    if (task === undefined) return [step];
    return plan.steps.filter(
      (s): s is MetricStep =>
        s.kind === 'metric' && s.model === step.model && taskOf(s) === task && !metricValues.has(s.id) && !groupFailed.has(s.id) &&
        (s === step || s.deps.every((d) => d in timings && !failed.has(d))),
    );
  };

  const runStep = async (step: PlanStep): Promise<void> => {
    switch (step.kind) {
      case 'load_model': {
        // Several models run one after another: the previous one is summarised and freed before the next loads.
        if (model) await finishModel();
        modelName = step.model;
        const pm = planModel(step.model);
        model = await runtime.loadModel(pm.source, { backend: pm.backend, processing: pm.processing as never, seed: plan.seed, ...(opts.verify && { verify: true }) });
        if (step.model !== undefined) identities[step.model] = identityOf(pm, model);
        ctx = runtime.createContext(model, {
          seed: plan.seed,
          batchSize: plan.batchSize,
          onProgress: (p) => emit({ type: 'step-progress', spec, step: current, label: p.step, done: p.done, total: p.total }),
        });
        return;
      }
      case 'build_task': {
        const t = plan.tasks.find((x) => x.name === step.task && x.model === step.model)!;
        const set = opts.prebuilt?.get(taskKey(t)) ?? runtime.buildTask(t.name, t.source, model!, { prependBos: t.prependBos, baseDir: t.baseDir });
        // --limit: the first N prompts, whatever the source (generators, the paper's data, JSONL).
        taskSets.set(t.name, t.limit === undefined ? set : { ...set, prompts: set.prompts.slice(0, t.limit) });
        return;
      }
      case 'check_task': {
        const set = taskSets.get(step.task)!;
        const found = await runtime.checkTask(set, model!);
        if (Array.isArray(found)) found.forEach(warn);
        runtime.addTask(ctx, set);
        return;
      }
      case 'clean_run':
      case 'corrupted_run':
        return runtime.warmRun(ctx, step.task, step.kind === 'clean_run' ? 'clean' : 'corrupted');
      case 'metric': {
        if (metricValues.has(step.id)) return; // computed with an earlier step of its group
        const earlier = groupFailed.get(step.id);
        if (earlier !== undefined) throw new CircuitspecError(earlier);
        const s0 = performance.now();
        let group = metricGroup(step);
        let values: (MetricValue | Error)[];
        if (runtime.computeMetrics && group.length > 1) {
          try {
            values = await runtime.computeMetrics(ctx, group.map((g) => g.request));
          } catch {
            // One bad request must not fail its neighbours: compute each alone, so only the bad one fails.
            values = [];
            for (const g of group) values.push(await runtime.computeMetric(ctx, g.request).catch((e: Error) => e));
          }
        } else {
          group = [step];
          values = [await runtime.computeMetric(ctx, step.request)];
        }
        const ms = (performance.now() - s0) / values.length; // a shared pass's cost, split evenly
        values.forEach((value, i) => {
          const g = group[i];
          const why = value instanceof Error ? message(value) : nonFinite(value, 'task' in g.request ? taskSets.get(g.request.task) : undefined);
          if (why !== undefined) {
            groupFailed.set(g.id, why);
            return;
          }
          metricValues.set(g.id, value as MetricValue);
          metrics[g.name] = { name: g.name, request: g.request, value: value as MetricValue, ms };
        });
        const mine = groupFailed.get(step.id);
        if (mine !== undefined) throw new CircuitspecError(mine);
        return;
      }
      case 'circuit': {
        const c: Circuit = step.declared
          ? { task: step.task ?? '', heads: step.declared.map((h) => ({ ...h, stage: 'declared', score: 0 })) }
          : await runtime.discoverCircuit(ctx, step.task!, toCircuitStages(step, step.task!));
        circuits.set(step.id, c);
        circuitResults[step.name] = c;
        if (!step.declared) circuitStages[step.name] = stageInfo(step);
        return;
      }
      case 'claim': {
        const c = claimByName.get(step.claim)!;
        let r: ClaimResult;
        if (bailed) r = skippedClaim(c, 'bail: an earlier claim failed');
        else if (c.mode === 'skip') r = skippedClaim(c);
        else {
          const broken = c.needs.map((id) => failed.get(id)).find((x) => x);
          r = broken ? erroredClaim(c, broken) : evaluateClaim(c, values);
          // A claim's time is what its values cost: the steps it reads (shared ones counted for each reader).
          r.ms += c.needs.reduce((a, id) => a + (timings[id] ?? 0), 0);
        }
        const reads = c.needs.map((id) => stepById.get(id)).flatMap((s) => (s?.kind === 'metric' || s?.kind === 'circuit' ? [s.name] : []));
        if (reads.length) r.reads = reads;
        claims.push(r);
        emit({ type: 'claim', spec, result: r });
        if (opts.bail && (r.verdict === 'fail' || r.verdict === 'error' || r.verdict === 'xpass')) bailed = true;
        return;
      }
    }
  };

  /** Before a model is freed: the role attention the HTML report draws, read while its tasks are loaded. */
  const summariseAttention = async (): Promise<void> => {
    if (!opts.attention || !runtime.attentionSummary || bailed) return;
    for (const t of plan.tasks) {
      if (t.model !== modelName) continue;
      const check = taskStepId(t).replace('task:', 'check:');
      if (!(check in timings) || failed.has(check)) continue;
      try {
        attention[t.model === undefined ? t.name : `${t.name}@${t.model}`] = await runtime.attentionSummary(ctx, t.name);
      } catch (e) {
        // A picture, not a claim: a task whose roles do not fit is left out of the report, not the run.
        if (!(e instanceof CircuitspecError)) throw e;
      }
    }
  };
  const finishModel = async (): Promise<void> => {
    try {
      await summariseAttention();
    } finally {
      const [c, m] = [ctx, model];
      ctx = model = undefined;
      taskSets.clear();
      runtime.dispose(c, m);
    }
  };

  (opts.warnings ?? []).forEach(warn);
  try {
    for (const step of plan.steps) {
      if (step.kind !== 'claim') {
        const broken = step.deps.find((d) => failed.has(d));
        if (broken || bailed) {
          if (broken) failed.set(step.id, failed.get(broken)!);
          continue;
        }
        emit({ type: 'step-start', spec, step: step.id, kind: step.kind, label: step.label });
      }
      current = step.id;
      const s0 = performance.now();
      let error: string | undefined;
      try {
        await runStep(step);
      } catch (e) {
        error = `${step.label}: ${message(e)}`;
        if (SETUP_KINDS.has(step.kind)) {
          // Reported once for the spec; the claims that needed it say only that they did not run.
          setupError ??= error;
          if (INPUT_KINDS.has(step.kind) && e instanceof CircuitspecError) inputError = true;
          failed.set(step.id, `not run: ${step.label} failed (see the spec's error)`);
        } else failed.set(step.id, error);
      }
      if (step.kind !== 'claim') {
        timings[step.id] = performance.now() - s0;
        emit({ type: 'step-end', spec, step: step.id, kind: step.kind, ms: timings[step.id], ...(error && { error }) });
      }
    }
    await summariseAttention();
  } finally {
    runtime.dispose(ctx, model);
  }
  for (const c of opts.dropped ?? []) claims.push(skippedClaim(c, 'filtered'));

  const result: SpecResult = {
    version: 1,
    name: spec,
    file: plan.spec.file,
    ...(plan.spec.description && { description: plan.spec.description }),
    provenance: {
      specFile: plan.spec.file,
      specSha256: plan.spec.sha256,
      model: plan.models ? identities[plan.models[0].name] ?? identityOf(plan.model) : identityOf(plan.model, model),
      ...(plan.models && { models: Object.fromEntries(plan.models.map((m) => [m.name, identities[m.name] ?? identityOf(m)])) }),
      packageVersion: packageVersion(),
      ...(gitCommit() && { commit: gitCommit()! }),
      ...environment(),
      seed: plan.seed,
      taskSeeds,
      batchSize: plan.batchSize,
      ...(plan.limit !== undefined && { limit: plan.limit }),
      startedAt: started,
    },
    metrics,
    circuits: circuitResults,
    ...(Object.keys(circuitStages).length && { circuitStages }),
    ...(Object.keys(attention).length && { attention }),
    claims,
    timings: { totalMs: performance.now() - t0, steps: timings },
    ...(setupError !== undefined && { error: setupError }),
    ...(inputError && { inputError }),
    ...(warnings.length > 0 && { warnings }),
  };
  emit({ type: 'spec-end', result });
  return result;
}
