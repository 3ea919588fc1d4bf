/** Attention paid by one head from one role's position to another's, mean over the task's clean prompts. */
import { CircuitspecError } from '../../errors.js';
import { rolePositions } from '../experiments/batches.js';
import { batchesOf, sharedRun, taskOf } from '../experiments/context.js';
import type { ExperimentContext, Head, MetricValue } from '../experiments/types.js';
import { scalar } from './scalar.js';

export async function attentionMetric(ctx: ExperimentContext, task: string, head: Head, from: string, to: string): Promise<MetricValue> {
  return scalar(await attentionValues(ctx, task, head, from, to));
}

/** Per prompt of the context's batches, in order. */
export async function attentionValues(ctx: ExperimentContext, task: string, head: Head, from: string, to: string): Promise<number[]> {
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
    const { data, shape } = (await sharedRun(ctx, task, b, 'clean', [name])).cache!.array(name); // [B, H, P, K]
    const [, H, P, K] = shape;
    b.prompts.forEach((_, r) => per.push(data[((r * H + head.head) * P + q[r]) * K + k[r]]));
  }
  return per;
}
