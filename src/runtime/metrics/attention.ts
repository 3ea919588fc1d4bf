/**
 * Attention paid by one head from one role's position to another's, mean over the task's prompts: on the clean
 * run by default, or on `run` with interventions applied (`with`; see batchCache).
 */
import { CircuitspecError } from '../../errors.js';
import { rolePositions } from '../experiments/batches.js';
import { batchesOf, taskOf } from '../experiments/context.js';
import type { ExperimentContext, Head, Intervention, MetricValue, RunSide } from '../experiments/types.js';
import { batchCache } from '../interventions/run.js';
import { scalar } from './scalar.js';

/** Where a metric is read: the run (default clean) and interventions applied to it (default none). */
export interface ReadOn { with?: Intervention[]; run?: RunSide }

export async function attentionMetric(ctx: ExperimentContext, task: string, head: Head, from: string, to: string, on: ReadOn = {}): Promise<MetricValue> {
  return scalar(await attentionValues(ctx, task, head, from, to, on));
}

/** Per prompt of the context's batches, in order. */
export async function attentionValues(ctx: ExperimentContext, task: string, head: Head, from: string, to: string, on: ReadOn = {}): Promise<number[]> {
  const set = taskOf(ctx, task);
  const { nLayers, nHeads } = ctx.model.config;
  if (!(head.layer >= 0 && head.layer < nLayers && head.head >= 0 && head.head < nHeads)) {
    throw new CircuitspecError(`head ${head.layer}.${head.head} is not in the model (${nLayers} layers × ${nHeads} heads)`, { field: 'head' });
  }
  const name = `blocks.${head.layer}.attn.hook_pattern`;
  const per: number[] = [];
  for (const b of batchesOf(ctx, task)) {
    const q = rolePositions(set, b.prompts, from);
    const k = rolePositions(set, b.prompts, to);
    const { cache, done } = await batchCache(ctx, task, b, [name], on.with, on.run, 'attention with');
    try {
      const { data, shape } = cache.array(name); // [B, H, P, K]
      const [, H, P, K] = shape;
      b.prompts.forEach((_, r) => per.push(data[((r * H + head.head) * P + q[r]) * K + k[r]]));
    } finally {
      done();
    }
  }
  return per;
}
