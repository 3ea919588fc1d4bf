/**
 * Runs a Plan against the runtime, step by step in plan order (dependencies come first), emitting events.
 * A failed step fails what depends on it (those claims get verdict 'error'); the rest still runs.
 */
import { CircuitspecError } from '../../errors.js';
import type { EventSink } from '../../plan/events.js';
import type { ClaimResult, MetricResult, SpecResult } from '../../plan/results.js';
import type { CircuitStep, MetricStep, Plan, PlanClaim, PlanStep } from '../../plan/types.js';
import type { Circuit, CircuitStage, MetricValue } from '../experiments/types.js';
import type { PromptSet } from '../tasks/types.js';
import { erroredClaim, evaluateClaim, skippedClaim } from './claim.js';
import { environment, packageVersion } from './provenance.js';
import type { Runtime, RuntimeModel } from './runtime.js';

export interface ExecuteOptions {
  runtime?: Runtime;
  onEvent?: EventSink;
  /** Stop at the first failing claim; the rest are skipped. */
  bail?: boolean;
  /** Claims left out by selection, reported as skipped. */
  dropped?: PlanClaim[];
}

const message = (e: unknown): string =>
  e instanceof CircuitspecError ? e.format() : process.env.CIRCUITSPEC_DEBUG ? String((e as Error).stack ?? e) : `internal error: ${(e as Error).message ?? String(e)}`;

export function toCircuitStages(step: CircuitStep, task: string): CircuitStage[] {
  return step.stages.map((s) => ({
    name: s.name,
    role: s.role,
    from: {
      kind: 'path_patch',
      task,
      receivers: s.receiver === 'logits' ? 'logits' : { heads: s.receiver.heads, input: s.receiver.input, positions: s.receiver.positions },
      ...(s.senderPositions && { senderPositions: s.senderPositions }),
      ...(s.freezeMlps !== undefined && { freezeMlps: s.freezeMlps }),
    },
    keep: s.keep,
    sign: s.sign,
    ...(s.receiver !== 'logits' && s.receiver.stages.length > 0 && { receiversFrom: s.receiver.stages }),
  }));
}

/** Metrics that reduce per-prompt logits at END can share one pass over their task's batches. */
const SHARED_PASS_KINDS = new Set(['logit_diff', 'accuracy', 'answer_prob', 'patching_score']);
const taskOf = (s: MetricStep): string | undefined =>
  SHARED_PASS_KINDS.has(s.request.kind) && 'task' in s.request ? s.request.task : undefined;

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
  const timings: Record<string, number> = {};
  const metricValues = new Map<string, MetricValue>();
  const circuits = new Map<string, Circuit>();
  const metrics: Record<string, MetricResult> = {};
  const circuitResults: Record<string, Circuit> = {};
  const claims: ClaimResult[] = [];
  const taskSets = new Map<string, PromptSet>();
  const claimByName = new Map(plan.claims.map((c) => [c.name, c]));
  let model: RuntimeModel | undefined;
  let ctx: unknown;
  let current = '';
  let bailed = false;
  const taskSeeds: Record<string, number> = {};
  for (const t of plan.tasks) if ('seed' in t.source) taskSeeds[t.name] = t.source.seed;

  const values = {
    metric: (id: string) => metricValues.get(id) ?? missing(id),
    circuit: (id: string) => circuits.get(id) ?? missing(id),
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
        s.kind === 'metric' && taskOf(s) === task && !metricValues.has(s.id) &&
        (s === step || s.deps.every((d) => d in timings && !failed.has(d))),
    );
  };

  const runStep = async (step: PlanStep): Promise<void> => {
    switch (step.kind) {
      case 'load_model':
        model = await runtime.loadModel(plan.model.source, { backend: plan.model.backend, processing: plan.model.processing as never, seed: plan.seed });
        ctx = runtime.createContext(model, {
          seed: plan.seed,
          batchSize: plan.batchSize,
          onProgress: (p) => emit({ type: 'step-progress', spec, step: current, label: p.step, done: p.done, total: p.total }),
        });
        return;
      case 'build_task': {
        const t = plan.tasks.find((x) => x.name === step.task)!;
        taskSets.set(t.name, runtime.buildTask(t.name, t.source, model!, { prependBos: t.prependBos, baseDir: t.baseDir }));
        return;
      }
      case 'check_task': {
        const set = taskSets.get(step.task)!;
        runtime.checkTask(set, model!);
        runtime.addTask(ctx, set);
        return;
      }
      case 'clean_run':
      case 'corrupted_run':
        return runtime.warmRun(ctx, step.task, step.kind === 'clean_run' ? 'clean' : 'corrupted');
      case 'metric': {
        if (metricValues.has(step.id)) return; // computed with an earlier step of its group
        const s0 = performance.now();
        const group = metricGroup(step);
        const values = runtime.computeMetrics && group.length > 1
          ? await runtime.computeMetrics(ctx, group.map((g) => g.request))
          : [await runtime.computeMetric(ctx, step.request)];
        const ms = (performance.now() - s0) / values.length; // a shared pass's cost, split evenly
        values.forEach((value, i) => {
          const g = group.length > 1 ? group[i] : step;
          metricValues.set(g.id, value);
          metrics[g.name] = { name: g.name, request: g.request, value, ms };
        });
        return;
      }
      case 'circuit': {
        const c: Circuit = step.declared
          ? { task: step.task ?? '', heads: step.declared.map((h) => ({ ...h, stage: 'declared', score: 0 })) }
          : await runtime.discoverCircuit(ctx, step.task!, toCircuitStages(step, step.task!));
        circuits.set(step.id, c);
        circuitResults[step.name] = c;
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
        claims.push(r);
        emit({ type: 'claim', spec, result: r });
        if (opts.bail && (r.verdict === 'fail' || r.verdict === 'error' || r.verdict === 'xpass')) bailed = true;
        return;
      }
    }
  };

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
        failed.set(step.id, error);
      }
      if (step.kind !== 'claim') {
        timings[step.id] = performance.now() - s0;
        emit({ type: 'step-end', spec, step: step.id, kind: step.kind, ms: timings[step.id], ...(error && { error }) });
      }
    }
  } finally {
    runtime.dispose(ctx, model);
  }
  for (const c of opts.dropped ?? []) claims.push(skippedClaim(c, 'filtered'));

  const result: SpecResult = {
    version: 1,
    name: spec,
    file: plan.spec.file,
    provenance: {
      specFile: plan.spec.file,
      specSha256: plan.spec.sha256,
      model: {
        source: plan.model.source,
        weightHash: model?.identity.weightHash ?? 'unknown',
        processing: model?.identity.processing ?? plan.model.processing,
        backend: model?.identity.backend ?? plan.model.backend,
      },
      packageVersion: packageVersion(),
      ...environment(),
      seed: plan.seed,
      taskSeeds,
      batchSize: plan.batchSize,
      startedAt: started,
    },
    metrics,
    circuits: circuitResults,
    claims,
    timings: { totalMs: performance.now() - t0, steps: timings },
    ...(failed.has('model') && { error: failed.get('model') }),
  };
  emit({ type: 'spec-end', result });
  return result;
}
