/** Run a task with interventions: per batch, the base run rerun with hooks (from the first edited position). */
import type { Batch } from '../experiments/batches.js';
import { countPositions, batchesOf, progress, taskOf } from '../experiments/context.js';
import { readSummaries, type LogitSummary } from '../experiments/logits.js';
import type { ExperimentContext, Intervention } from '../experiments/types.js';
import { batchHooks } from './hooks.js';

/** One batch with interventions → one summary per prompt. */
export async function runBatchIntervened(ctx: ExperimentContext, task: string, batch: Batch, ivs: Intervention[], where = 'with'): Promise<LogitSummary[]> {
  const set = taskOf(ctx, task);
  const bh = await batchHooks(ctx, task, batch, ivs, where);
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

export async function runIntervened(ctx: ExperimentContext, task: string, ivs: Intervention[], where = 'with'): Promise<LogitSummary[]> {
  const out: LogitSummary[] = [];
  const batches = batchesOf(ctx, task);
  for (const batch of batches) {
    out.push(...(await runBatchIntervened(ctx, task, batch, ivs, where)));
    progress(ctx, `${task}: intervened run`, batch.index + 1, batches.length);
  }
  return out;
}
