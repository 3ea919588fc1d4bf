/**
 * Direct logit attribution per head: the head's output at END (z·W_O, bias excluded), centred and divided by
 * the run's final LayerNorm scale (times ln_f's weight when not folded), projected on
 * W_U[:, answer] − W_U[:, distractor] (the clean prompt's). Mean over prompts → a layers × heads table. The run
 * is the clean one by default, or `run` with interventions applied (`with`): z and the scale are both read there.
 * dlaPerPrompt gives the per-prompt values of the context's batches (what a worker computes); the mean is taken
 * over them in prompt order, so workers' concatenated values give the one-worker table exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { rolePositions } from '../experiments/batches.js';
import { batchesOf, taskOf } from '../experiments/context.js';
import type { ExperimentContext, MetricValue } from '../experiments/types.js';
import { batchCache } from '../interventions/run.js';
import type { ReadOn } from './attention.js';
import { headTable, mean } from './scalar.js';

export async function directLogitAttribution(ctx: ExperimentContext, task: string, on: ReadOn = {}): Promise<MetricValue> {
  const { nHeads } = ctx.model.config;
  return dlaTable(await dlaPerPrompt(ctx, task, on), nHeads);
}

/** Per-head per-prompt values (series l·H + h) → the layers × heads table of their means. */
export function dlaTable(perHead: number[][], nHeads: number): MetricValue {
  const values: number[][] = [];
  for (let i = 0; i < perHead.length; i += nHeads) values.push(perHead.slice(i, i + nHeads).map(mean));
  return headTable(values);
}

/** values[l·H + h][prompt] over the context's batches. */
export async function dlaPerPrompt(ctx: ExperimentContext, task: string, on: ReadOn = {}): Promise<number[][]> {
  const { model } = ctx;
  const { nLayers, nHeads, dHead, dModel } = model.config;
  const set = taskOf(ctx, task);
  const zNames = Array.from({ length: nLayers }, (_, l) => `blocks.${l}.attn.hook_z`);
  const perHead = Array.from({ length: nLayers * nHeads }, () => [] as number[]);
  for (const b of batchesOf(ctx, task)) {
    const end = rolePositions(set, b.prompts, 'END');
    const { cache, done } = await batchCache(ctx, task, b, [...zNames, 'ln_final.hook_scale'], on.with, on.run, 'dla with', Math.min(...end));
    const B = b.prompts.length;
    let per: tf.Tensor;
    try {
      // Positions from the cache's first one (a partial rerun caches END onwards).
      const rows = tf.tensor1d(end.map((p, r) => r * cache.array(zNames[0]).shape[1] + p - cache.startPos), 'int32');
      per = tf.tidy(() => {
        const K = cache.array(zNames[0]).shape[1];
        const scale = tf.gather(tf.reshape(cache.get('ln_final.hook_scale'), [B * K]), rows); // [B]
        const a = tf.gather(model.weights.WU, tf.tensor1d(b.prompts.map((p) => p.answerId), 'int32'), 1); // [D, B]
        const d = tf.gather(model.weights.WU, tf.tensor1d(b.prompts.map((p) => p.distractorIds[0]), 'int32'), 1); // [D, B]
        let dir = tf.sub(a, d); // [D, B]
        if (model.weights.lnF.w) dir = tf.mul(dir, tf.reshape(model.weights.lnF.w, [dModel, 1]));
        dir = tf.sub(dir, tf.mean(dir, 0, true)); // centring x is the same as centring the direction
        const out: tf.Tensor[] = [];
        for (let l = 0; l < nLayers; l++) {
          const z = tf.gather(tf.reshape(cache.get(zNames[l]), [B * K, nHeads * dHead]), rows); // [B, H*dh]
          const woDir = tf.matMul(model.weights.blocks[l].cProjW, dir); // [H*dh, B]
          const prod = tf.mul(tf.reshape(tf.transpose(z), [nHeads, dHead, B]), tf.reshape(woDir, [nHeads, dHead, B])); // [H, dh, B]
          out.push(tf.div(tf.sum(prod, 1), scale)); // [H, B]
        }
        return tf.stack(out); // [L, H, B]
      });
      rows.dispose();
    } finally {
      done();
    }
    const data = await per.data();
    per.dispose();
    for (let i = 0; i < nLayers * nHeads; i++) for (let r = 0; r < B; r++) perHead[i].push(data[i * B + r]);
  }
  return perHead;
}
