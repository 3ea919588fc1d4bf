/**
 * Attention paid by one head from one role's position to another's, mean over the task's prompts: on the clean
 * run by default, or on `run` with interventions applied (`with`; see batchCache). Several heads: their mean;
 * several key roles: the sum over their (distinct) positions.
 */
import { CircuitspecError } from '../../errors.js';
import { rolePositions, rolesPositions } from '../experiments/batches.js';
import { batchesOf, taskOf } from '../experiments/context.js';
import type { ExperimentContext, Head, Intervention, MetricValue, RunSide } from '../experiments/types.js';
import { batchCache } from '../interventions/run.js';
import { scalar } from './scalar.js';

/** Where a metric is read: the run (default clean) and interventions applied to it (default none). */
export interface ReadOn { with?: Intervention[]; run?: RunSide }

export async function attentionMetric(ctx: ExperimentContext, task: string, head: Head | Head[], from: string, to: string | string[], on: ReadOn = {}): Promise<MetricValue> {
  return scalar(await attentionValues(ctx, task, head, from, to, on));
}

/** Per prompt of the context's batches, in order. */
export async function attentionValues(ctx: ExperimentContext, task: string, head: Head | Head[], from: string, to: string | string[], on: ReadOn = {}): Promise<number[]> {
  const set = taskOf(ctx, task);
  const { nLayers, nHeads } = ctx.model.config;
  const heads = Array.isArray(head) ? head : [head];
  const keys = Array.isArray(to) ? to : [to];
  if (!heads.length || !keys.length) throw new CircuitspecError('attention needs at least one head and one key role', { field: 'head' });
  for (const h of heads) {
    if (!(h.layer >= 0 && h.layer < nLayers && h.head >= 0 && h.head < nHeads)) {
      throw new CircuitspecError(`head ${h.layer}.${h.head} is not in the model (${nLayers} layers × ${nHeads} heads)`, { field: 'head' });
    }
  }
  const names = [...new Set(heads.map((h) => `blocks.${h.layer}.attn.hook_pattern`))];
  const per: number[] = [];
  for (const b of batchesOf(ctx, task)) {
    const q = rolePositions(set, b.prompts, from);
    const k = rolesPositions(set, b.prompts, keys);
    const { cache, done } = await batchCache(ctx, task, b, names, on.with, on.run, 'attention with', Math.min(...q));
    try {
      const sums = new Array<number>(b.prompts.length).fill(0);
      for (const h of heads) {
        const { data, shape } = cache.array(`blocks.${h.layer}.attn.hook_pattern`); // [B, H, P, K]
        const [, H, P, K] = shape;
        // Query rows from the cache's first position (a partial rerun); keys always from position 0.
        b.prompts.forEach((_, r) => k[r].forEach((kp) => (sums[r] += data[((r * H + h.head) * P + q[r] - cache.startPos) * K + kp])));
      }
      per.push(...sums.map((x) => x / heads.length));
    } finally {
      done();
    }
  }
  return per;
}
