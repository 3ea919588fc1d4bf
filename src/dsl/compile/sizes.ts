/**
 * A rough memory and time estimate of a plan, so an absurd size (`n: 1000000000`) is refused at compile time with
 * its numbers, instead of passing `validate` and dying of a heap out-of-memory minutes into the run.
 */
import { getHeapStatistics } from 'node:v8';
import type { ModelShape, PlanStep, PlanTask } from '../../plan/types.js';
import type { Blame } from './context.js';

/**
 * JS heap one prompt takes once built: its text, token and role records, the corrupted partner and the logit
 * summaries the shared runs keep. Measured on IOI prompts at ~1.5 KB; counted generously.
 */
export const PROMPT_HEAP_BYTES = 2048;
const TOKEN_HEAP_BYTES = 32;
/** wasm matmul throughput on this project's machines (README, Performance), in FLOP/s. */
const FLOPS = 15e9;
/** Longer than this is not a run anyone meant to start. */
export const MAX_DAYS = 30;

export interface SizeEstimate { heapBytes: number; seconds: number }

export function estimateSizes(shape: ModelShape, tasks: PlanTask[], steps: PlanStep[]): SizeEstimate {
  let heapBytes = 0;
  for (const t of tasks) heapBytes += (t.prompts ?? 0) * (PROMPT_HEAP_BYTES + TOKEN_HEAP_BYTES * (t.positions ?? 64));
  // Per token, a forward pass costs ~2 FLOPs per weight of the blocks (12·d² a layer).
  const flopsPerToken = 2 * 12 * shape.nLayers * shape.dModel * shape.dModel;
  const positions = new Map(tasks.map((t) => [t.name, t.positions ?? 64]));
  let tokens = 0;
  for (const s of steps) {
    let p = 64;
    if ('task' in s && s.task) p = positions.get(s.task) ?? 64;
    else if (s.kind === 'metric' && 'task' in s.request) p = positions.get(s.request.task) ?? 64;
    else if (s.kind === 'metric' && s.request.kind === 'head_scores') {
      p = 2 * (s.request.seqLen ?? 20);
      heapBytes += (s.request.n ?? 20) * TOKEN_HEAP_BYTES * p;
    }
    tokens += s.forwardPasses * p;
  }
  return { heapBytes, seconds: (tokens * flopsPerToken) / FLOPS };
}

const gb = (b: number) => `${(b / 1e9).toPrecision(3)} GB`;

/** Throws (blaming the largest task, else the spec) when the plan cannot fit or would run for months. */
export function checkSizes(shape: ModelShape, tasks: PlanTask[], steps: PlanStep[], blameTask: (task: string) => Blame, blameSpec: Blame): void {
  const est = estimateSizes(shape, tasks, steps);
  const largest = [...tasks].sort((a, b) => (b.prompts ?? 0) - (a.prompts ?? 0))[0];
  const blame = largest?.prompts ? blameTask(largest.name) : blameSpec;
  const heapLimit = getHeapStatistics().heap_size_limit;
  const what = largest?.prompts ? ` (task '${largest.name}' alone has ${largest.prompts} prompts)` : '';
  if (est.heapBytes > heapLimit) {
    throw blame(`the prompts need ~${gb(est.heapBytes)} of memory${what}, more than Node's heap limit of ${gb(heapLimit)}: lower n`);
  }
  const days = est.seconds / 86400;
  if (days > MAX_DAYS) {
    throw blame(`the plan would run for ~${Math.round(days)} days (~${Math.round(est.seconds / 3600)} hours of forward passes at ~${FLOPS / 1e9} GFLOP/s)${what}, above the ${MAX_DAYS}-day limit: lower n`);
  }
}
