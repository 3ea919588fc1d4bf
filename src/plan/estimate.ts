/**
 * What a plan's steps cost, in forward-pass equivalents (FPE): 1 = one forward pass over the step's task (all its
 * prompts, padded per batch as the runtime pads them). Two numbers per step:
 *  - `counted`: the positions the model computes (rows × positions of every run and rerun, as the runtime counts
 *    them with countPositions) over those of one forward of the task — deterministic, so tests can check it;
 *  - `fpe`: wall-time equivalents — `counted` plus work that is not a forward pass (path patching's per-sender
 *    rows through the MLPs), converted by FLOPs relative to a forward.
 * Shared runs are simulated per batch as sharedRun keeps them: a metric that needs a hook its batch's cached run
 * lacks reruns that run once (caching the union of names); the cache budget is assumed to hold (no eviction).
 * Task shapes are exact when the tasks were built (`circuitspec plan` builds them), else typical lengths.
 */
import type { Intervention, MetricRequest, PathPatchReceivers } from '../runtime/experiments/types.js';
import { pathPatchCost } from '../runtime/interventions/path-patching/cost.js';
import type { PathPatchOptions } from '../runtime/interventions/path-patching/common.js';

type PathPatchRequest = Pick<PathPatchOptions, 'receivers' | 'freezeMlps' | 'senderPositions' | 'sendersBelowReceivers' | 'excludeReceivers'>;
import type { ModelShape, Plan, PlanStage, PlanStep, PlanTask } from './types.js';

/**
 * One batch: rows, padded length, and per role its earliest position in the batch (END: shortest row − 1); when
 * the task was built, each row's length and role positions too.
 */
export interface BatchShape { rows: number; positions: number; roles: Record<string, number>; perRow?: { lengths: number[]; roles: Record<string, number[]>; diverge?: number[] } }
export type TaskShapes = Record<string, BatchShape[]>;

export interface StepEstimate {
  id: string;
  /** The task whose forward pass is the unit (undefined: head_scores' own sequences, or no model work). */
  task?: string;
  counted: number;
  fpe: number;
  /** Positions computed (rows × positions), and FLOPs of non-forward work in forward-position units. */
  positions: number;
  extraPositions: number;
  /** Rows whose logits at the last position are computed and read back (the unembedding costs per row). */
  logitRows: number;
  /** Calls into the model (each has a fixed cost that dominates small models). */
  runs: number;
}

/**
 * A step's time from a calibrated forward pass: per position computed. (Logit rows and calls are counted too; their
 * own costs matter on small models, but could not be told apart reliably on a shared machine.)
 */
export function stepMs(e: StepEstimate, cal: { msPerPosition: number }): number {
  return (e.positions + e.extraPositions) * cal.msPerPosition;
}

/** Typical batches of a task not built yet: its typical length, non-END roles guessed at mid-prompt. */
export function typicalBatches(t: PlanTask, batchSize: number): BatchShape[] {
  const n = t.prompts ?? 0;
  const K = t.positions ?? 64;
  const roles = Object.fromEntries(t.roles.map((r) => [r, r === 'END' ? K - 1 : Math.floor(K / 2)]));
  const out: BatchShape[] = [];
  for (let i = 0; i < n; i += batchSize) out.push({ rows: Math.min(batchSize, n - i), positions: K, roles });
  return out;
}

/** FLOPs of one position of a forward pass of length K (blocks, plus the unembedding at the last position). */
export function flopsPerPosition(s: ModelShape, K: number): number {
  const d = s.dModel;
  return s.nLayers * (24 * d * d + 4 * K * d) + (2 * d * s.dVocab) / K;
}

const kvNames = (L: number): string[] => Array.from({ length: L }, (_, l) => [`blocks.${l}.attn.hook_k`, `blocks.${l}.attn.hook_v`]).flat();

/** Path patching's cost on one batch, from its own cost model (path-patching/cost.ts). */
function pathPatchBatchCost(s: ModelShape, b: BatchShape, req: PathPatchRequest, unknownReceivers: boolean): Cost {
  const c = pathPatchCost(s, req, b, unknownReceivers);
  const d = s.dModel;
  return { positions: c.positions, extra: (c.mlpRows * 16 * d * d) / flopsPerPosition(s, b.positions), logits: c.logits, runs: c.runs };
}

interface Cost { positions: number; extra: number; logits: number; runs: number }

/** Prompt forward passes of a step (its FPE × its task's prompts; head_scores: its sequences), for the plan's totals. */
export function promptPasses(e: StepEstimate, plan: Plan): number {
  const step = plan.steps.find((s) => s.id === e.id);
  if (e.task === undefined) return step?.kind === 'metric' && step.request.kind === 'head_scores' ? Math.round(e.fpe * (step.request.n ?? 20)) : 0;
  return Math.round(e.fpe * (plan.tasks.find((t) => t.name === e.task)?.prompts ?? 0));
}

export function estimatePlan(plan: Plan, shapes: TaskShapes = {}): StepEstimate[] {
  const s = plan.model.shape;
  const L = s.nLayers;
  const typical = new Map<string, BatchShape[]>(); // built once per task: a random control walks them per sample
  const batchesOf = (task: string): BatchShape[] => {
    if (shapes[task]) return shapes[task];
    let bs = typical.get(task);
    if (!bs) typical.set(task, (bs = typicalBatches(plan.tasks.find((t) => t.name === task) ?? { name: task, source: { file: '' }, prependBos: false, baseDir: '', roles: [] }, plan.batchSize)));
    return bs;
  };
  const KV = kvNames(L);
  const cached = new Map<string, Set<string>>(); // task|batch|side → names its shared run caches
  const means = new Set<string>();
  /** Per-prompt metrics computed together share a rerun with the same interventions (compute.ts). */
  const shared = new Set<string>();
  const perPromptRerun = (task: string, ivs: Intervention[], run?: string): void => {
    const key = JSON.stringify([task, ivs, run ?? null]);
    if (shared.has(key)) return;
    shared.add(key);
    intervened(task, ivs, run);
  };

  let acc: Cost = { positions: 0, extra: 0, logits: 0, runs: 0 };
  /** sharedRun: the run of `side` on this batch, rerun (logits at the last position) unless it caches `names`. */
  const need = (task: string, i: number, b: BatchShape, side: string, names: string[]): void => {
    const key = `${task}|${i}|${side}`;
    const have = cached.get(key);
    if (have && names.every((n) => have.has(n))) return;
    cached.set(key, new Set([...(have ?? []), ...names]));
    acc.positions += b.rows * b.positions;
    acc.logits += b.rows;
    acc.runs += 1;
  };

  /** `readFrom`: the role a metric reads from (attention's query, DLA's END); a rerun starting after it reruns all. */
  const intervened = (task: string, ivs: Intervention[], run?: string, readFrom?: string): void => {
    const froms = new Set(ivs.flatMap((iv) => (iv.type === 'patch' ? [iv.from] : [])));
    const base = run ?? (froms.size === 1 && froms.has('clean') ? 'corrupted' : 'clean');
    const other = base === 'clean' ? 'corrupted' : 'clean';
    for (const iv of ivs) {
      if (iv.type !== 'ablate' || iv.method !== 'mean' || means.has(`${task}|${iv.hook}`)) continue;
      means.add(`${task}|${iv.hook}`);
      batchesOf(task).forEach((b, i) => need(task, i, b, 'clean', [iv.hook]));
    }
    batchesOf(task).forEach((b, i) => {
      const starts = ivs.map((iv) => iv.type === 'attention_override' || iv.type === 'attention_block' ? b.roles[iv.query] ?? 0
        : iv.positions?.length ? Math.min(...iv.positions.map((r) => b.roles[r] ?? 0)) : 0);
      const first = ivs.length ? Math.min(...starts) : 0;
      const start = readFrom !== undefined && first > (b.roles[readFrom] ?? 0) ? 0 : first;
      const otherNames = ivs.flatMap((iv) => (iv.type === 'patch' && iv.from !== base ? [iv.hook] : []));
      const baseNames = [...(start > 0 ? KV : []),
        ...ivs.flatMap((iv) => ((iv.type === 'ablate' && iv.method === 'resample') || (iv.type === 'patch' && iv.from === base) ? [iv.hook] : []))];
      if (otherNames.length) need(task, i, b, other, otherNames);
      if (baseNames.length) need(task, i, b, base, baseNames);
      acc.positions += b.rows * (b.positions - start);
      acc.logits += b.rows;
      acc.runs += 1;
    });
  };

  const pathPatch = (task: string, req: PathPatchRequest, unknown = false): void => {
    for (const b of batchesOf(task)) {
      const c = pathPatchBatchCost(s, b, req, unknown);
      acc.positions += c.positions;
      acc.extra += c.extra;
      acc.logits += c.logits;
      acc.runs += c.runs;
    }
  };

  const metric = (r: MetricRequest): void => {
    const each = (side: string, names: string[]): void => {
      if ('task' in r) batchesOf(r.task).forEach((b, i) => need(r.task, i, b, side, names));
    };
    switch (r.kind) {
      case 'logit_diff': case 'accuracy': case 'answer_prob': case 'prob_diff': case 'patching_score':
        each('clean', []);
        if (r.kind === 'patching_score' || r.run === 'corrupted') each('corrupted', []);
        const run = r.kind === 'patching_score' ? undefined : r.run;
        // A random control reruns once per sample, each from the same shared run.
        if (r.control) for (const sample of r.control.samples) perPromptRerun(r.task, [...(r.with ?? []), ...sample], run);
        else if (r.with?.length) perPromptRerun(r.task, r.with, run);
        return;
      // Read from a cached run; under interventions, one full rerun per batch (metrics/attention.ts, batchCache).
      case 'attention':
        return r.with?.length ? intervened(r.task, r.with, r.run, r.from)
          : each(r.run ?? 'clean', [...new Set([r.head, ...(r.alsoHeads ?? [])].map((h) => `blocks.${h.layer}.attn.hook_pattern`))]);
      case 'dla':
        return r.with?.length ? intervened(r.task, r.with, r.run, 'END')
          : each(r.run ?? 'clean', [...Array.from({ length: L }, (_, l) => `blocks.${l}.attn.hook_z`), 'ln_final.hook_scale']);
      case 'path_patch':
        return pathPatch(r.task, r);
      case 'head_scores': {
        const seqLen = r.seqLen ?? Math.min(20, Math.floor(s.nCtx / 2));
        acc.positions += (r.n ?? 20) * 2 * seqLen;
        acc.runs += Math.ceil((r.n ?? 20) / plan.batchSize);
        return;
      }
    }
  };

  const stage = (task: string, st: PlanStage): void => {
    const r = st.receiver;
    const receivers: PathPatchReceivers = r === 'logits' || 'resid' in r ? r : { heads: r.heads, input: r.input, positions: r.positions };
    pathPatch(task, {
      receivers, freezeMlps: st.freezeMlps, senderPositions: st.senderPositions,
      sendersBelowReceivers: st.sendersBelowReceivers, excludeReceivers: st.excludeReceivers,
    }, r !== 'logits' && 'stages' in r && r.stages.length > 0);
  };

  const unit = (task: string | undefined): number => (task === undefined ? 0 : batchesOf(task).reduce((a, b) => a + b.rows * b.positions, 0));
  return plan.steps.filter((st) => st.kind !== 'claim').map((st: PlanStep): StepEstimate => {
    let task: string | undefined;
    acc = { positions: 0, extra: 0, logits: 0, runs: 0 };
    if (st.kind === 'clean_run' || st.kind === 'corrupted_run') {
      task = st.task;
      const side = st.kind === 'clean_run' ? 'clean' : 'corrupted';
      batchesOf(task).forEach((b, i) => need(st.task, i, b, side, []));
    } else if (st.kind === 'metric') {
      task = 'task' in st.request ? st.request.task : undefined;
      metric(st.request);
    } else if (st.kind === 'circuit' && st.task && !st.declared) {
      task = st.task;
      for (const x of st.stages) stage(st.task, x);
    }
    const cost = acc;
    // head_scores: the unit is one forward over its own sequences.
    const per = task === undefined ? cost.positions : unit(task);
    const counted = per > 0 ? cost.positions / per : 0;
    return {
      id: st.id, ...(task !== undefined && { task }), counted, fpe: per > 0 ? (cost.positions + cost.extra) / per : 0,
      positions: cost.positions, extraPositions: cost.extra, logitRows: cost.logits, runs: cost.runs,
    };
  });
}
