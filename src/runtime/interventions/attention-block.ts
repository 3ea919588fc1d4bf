/**
 * Attention blocking: heads' attention from a query position to some key positions is set to 0 in
 * hook_pattern; with `renormalize` the weights left in that row are divided by their sum, so the row is again a
 * distribution over the keys the head may still see (the paper's content-gatherer blocking, Merullo et al. §4.3).
 */
import * as tf from '@tensorflow/tfjs';
import { CircuitspecError } from '../../errors.js';
import type { Hook } from '../model/index.js';
import type { Batch } from '../experiments/batches.js';
import type { Head } from '../experiments/types.js';

export interface BlockRows {
  task: string;
  batch: Batch;
  heads: Head[];
  /** Per prompt, the query position (absolute). */
  query: number[];
  /** Per prompt, the key positions to block (absolute; roles sharing a position count once). */
  keys: number[][];
  renormalize: boolean;
  /** The first position this run computes (query rows are relative to it). */
  startPos: number;
  /** Names the intervention in errors. */
  where: string;
}

/** One hook_pattern callback per layer of `heads`. */
export function blockHooks(r: BlockRows): Hook[] {
  const byLayer = new Map<number, number[]>();
  for (const h of r.heads) byLayer.set(h.layer, [...(byLayer.get(h.layer) ?? []), h.head]);
  const B = r.batch.prompts.length;
  const fail = (b: number, m: string): never => {
    throw new CircuitspecError(`${r.where}: attention_block: task '${r.task}' prompt ${r.batch.prompts[b].id}: ${m}`, { field: r.where });
  };
  // Checked once, before any compute: causal attention gives weight only to keys 0..query.
  for (let b = 0; b < B; b++) {
    const q = r.query[b];
    for (const k of r.keys[b]) if (k > q) fail(b, `a key role (position ${k}) comes after the query (position ${q}): causal attention gives it no weight to block`);
    if (r.renormalize && new Set(r.keys[b]).size >= q + 1) {
      fail(b, `blocking every key the query (position ${q}) can see leaves the row no weight to renormalize: block fewer keys, or set renormalize: false`);
    }
  }
  return [...byLayer.entries()].map(([layer, hs]) => ({
    name: `blocks.${layer}.attn.hook_pattern`,
    fn: (x: tf.Tensor) => {
      const [, H, P, K] = x.shape; // [B, H, P (query rows from startPos), K (keys)]
      const keep = new Float32Array(B * H * P * K).fill(1);
      const rows = new Uint8Array(B * H * P);
      for (let b = 0; b < B; b++) {
        const q = r.query[b] - r.startPos;
        if (q < 0 || q >= P) fail(b, "the query position is not in this run");
        for (const h of hs) {
          const row = (b * H + h) * P + q;
          rows[row] = 1;
          for (const k of r.keys[b]) keep[row * K + k] = 0;
        }
      }
      return tf.tidy(() => {
        const kept = tf.mul(x, tf.tensor4d(keep, [B, H, P, K])); // [B, H, P, K]
        if (!r.renormalize) return kept;
        // Only the blocked rows are divided (a 0/0 there, from weights that underflowed, stays NaN and is reported).
        const sums = tf.sum(kept, -1, true); // [B, H, P, 1]
        const divisor = tf.where(tf.tensor4d(rows, [B, H, P, 1], 'bool'), sums, tf.onesLike(sums));
        return tf.div(kept, divisor);
      });
    },
  }));
}
