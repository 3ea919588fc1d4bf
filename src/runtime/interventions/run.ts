/** Run a task with interventions: per batch, the base run rerun with hooks (from the first edited position). */
import type { ActivationCache } from '../model/index.js';
import type { Batch } from '../experiments/batches.js';
import { countPositions, batchesOf, progress, sharedRun, taskOf, type Side } from '../experiments/context.js';
import { readSummaries, type LogitSummary } from '../experiments/logits.js';
import type { ExperimentContext, Intervention } from '../experiments/types.js';
import { batchHooks } from './hooks.js';

/** One batch with interventions → one summary per prompt (read on `run`, default baseSide's rule). */
export async function runBatchIntervened(ctx: ExperimentContext, task: string, batch: Batch, ivs: Intervention[], where = 'with', run?: Side): Promise<LogitSummary[]> {
  const set = taskOf(ctx, task);
  const bh = await batchHooks(ctx, task, batch, ivs, where, { run });
  try {
    const ids = bh.base === 'clean' ? batch.clean : batch.corrupted!;
    const { logits } = await ctx.model.runWithHooks(ids, { hooks: bh.hooks, logitsAt: 'last', startPos: bh.startPos, past: bh.past });
    countPositions(ctx, ids.length * (Math.max(...batch.lengths) - bh.startPos));
    try {
      return await readSummaries(logits, set, batch.prompts);
    } finally {
      logits.dispose();
    }
  } finally {
    bh.dispose();
  }
}

/**
 * One batch's activations `names` on `run` (default clean) with interventions applied. Without interventions: the
 * shared run's cache, no rerun. With them, a metric that reads only positions >= `readFrom` (attention from END,
 * DLA at END) gets a rerun of the positions from the first edited one on, when that is no later than `readFrom`
 * (causal attention: nothing before it changes; keys/values of earlier positions come from the shared run), else
 * every position. `cache.startPos` says which position its position axis starts at. The caller calls `done` when
 * it has read the cache.
 */
export async function batchCache(
  ctx: ExperimentContext, task: string, batch: Batch, names: string[], ivs: Intervention[] = [], run?: Side, where = 'with', readFrom = 0,
): Promise<{ cache: ActivationCache; done: () => void }> {
  if (!ivs.length) return { cache: (await sharedRun(ctx, task, batch, run ?? 'clean', names)).cache!, done: () => {} };
  let bh = await batchHooks(ctx, task, batch, ivs, where, { run });
  if (bh.startPos > readFrom) {
    bh.dispose();
    bh = await batchHooks(ctx, task, batch, ivs, where, { run, fromStart: true });
  }
  try {
    const ids = bh.base === 'clean' ? batch.clean : batch.corrupted!;
    const { logits, cache } = await ctx.model.runWithCache(ids, { hooks: bh.hooks, names, logitsAt: 'none', startPos: bh.startPos, past: bh.past });
    logits.dispose();
    countPositions(ctx, ids.length * (Math.max(...batch.lengths) - bh.startPos));
    return { cache, done: () => cache.dispose() };
  } finally {
    bh.dispose();
  }
}

export async function runIntervened(ctx: ExperimentContext, task: string, ivs: Intervention[], where = 'with'): Promise<LogitSummary[]> {
  const out: LogitSummary[] = [];
  const batches = batchesOf(ctx, task);
  for (const batch of batches) {
    out.push(...(await runBatchIntervened(ctx, task, batch, ivs, where)));
    progress(ctx, `${task}: intervened run`, batch.index + 1, batches.length);
  }
  return out;
}
