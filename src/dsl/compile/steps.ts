/**
 * Builds the step graph: one model load, per task a build, a check and the shared clean/corrupted runs (added only
 * when some metric reads them), then metric, circuit and claim steps. Identical metric requests share one step.
 */
import type { MetricRequest, PlanStage, PlanStep, PlanTask } from '../../plan/types.js';

/** A JSON key with sorted object keys, so equal requests compare equal. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export class StepGraph {
  readonly steps: PlanStep[] = [];
  private metricKeys = new Map<string, string>();
  private ids = new Set<string>();

  /**
   * `model`: with several models, each has its own graph; its step ids start `model/` and its steps carry the
   * model's name, so the executor loads each model once and runs its steps together.
   */
  constructor(private readonly nLayers: number, private readonly tasks: Map<string, PlanTask>, readonly model?: string) {
    this.push({ id: this.p('model'), kind: 'load_model', deps: [], label: model === undefined ? 'load model' : `load model ${model}`, forwardPasses: 0 });
  }

  private p(id: string): string {
    return this.model === undefined ? id : `${this.model}/${id}`;
  }

  private push(step: PlanStep): void {
    if (this.model !== undefined) step.model = this.model;
    this.steps.push(step);
    this.ids.add(step.id);
  }

  /** `id` as this graph names it (`task:ioi`, not `large/task:ioi`). */
  has(id: string): boolean {
    return this.ids.has(this.p(id));
  }

  private prompts(task: string): number {
    return this.tasks.get(task)?.prompts ?? 0;
  }

  /** The steps a task's data passes through; returns the id metrics depend on. */
  taskReady(task: string): string {
    if (!this.has(`task:${task}`)) {
      const n = this.prompts(task);
      const on = this.model === undefined ? '' : ` on ${this.model}`;
      this.push({ id: this.p(`task:${task}`), kind: 'build_task', task, deps: [this.p('model')], label: `build task ${task}${on}`, forwardPasses: 0 });
      this.push({ id: this.p(`check:${task}`), kind: 'check_task', task, deps: [this.p('model'), this.p(`task:${task}`)], label: `check task ${task}${on}${n ? ` (${n} prompts)` : ''}`, forwardPasses: 0 });
    }
    return this.p(`check:${task}`);
  }

  run(task: string, side: 'clean' | 'corrupted'): string {
    const id = this.p(`${side}:${task}`);
    if (!this.ids.has(id)) {
      this.push({ id, kind: side === 'clean' ? 'clean_run' : 'corrupted_run', task, deps: [this.taskReady(task)], label: `${side} run ${task}${this.model === undefined ? '' : ` on ${this.model}`}`, forwardPasses: 0 });
    }
    return id;
  }

  /** A metric step (deduplicated by request). Returns its id. */
  metric(name: string, request: MetricRequest, needsCorrupted: boolean, named = false): string {
    const key = canonical(request);
    const existing = this.metricKeys.get(key);
    if (existing) {
      const step = this.steps.find((s) => s.id === existing);
      if (named && step?.kind === 'metric') step.named = true;
      return existing;
    }
    let id = this.p(`metric:${name}`);
    for (let i = 2; this.ids.has(id); i++) id = this.p(`metric:${name}#${i}`);
    const deps = [this.p('model')];
    if ('task' in request) {
      deps.push(this.run(request.task, 'clean'));
      if (needsCorrupted) deps.push(this.run(request.task, 'corrupted'));
    } else if (request.kind === 'head_scores') {
      if (request.tokensFrom !== undefined) deps.push(this.taskReady(request.tokensFrom));
      if (request.sequencesFrom !== undefined) deps.push(this.taskReady(request.sequencesFrom));
    }
    this.metricKeys.set(key, id);
    // forwardPasses of model-running steps are filled in by the plan's estimate (src/plan/estimate.ts).
    this.push({ id, kind: 'metric', name, request, named, deps, label: name, forwardPasses: 0 });
    return id;
  }

  circuit(name: string, task: string | undefined, stages: PlanStage[], declared?: { layer: number; head: number; role: string }[]): string {
    const id = this.p(`circuit:${name}`);
    const deps = task ? [this.p('model'), this.run(task, 'clean'), this.run(task, 'corrupted')] : [];
    this.push({ id, kind: 'circuit', name, ...(task && { task }), stages, ...(declared && { declared }), deps, label: `circuit ${name}`, forwardPasses: 0 });
    return id;
  }

  claim(name: string, deps: string[]): string {
    const id = `claim:${name}`;
    this.push({ id, kind: 'claim', claim: name, deps, label: name, forwardPasses: 0 });
    return id;
  }
}
