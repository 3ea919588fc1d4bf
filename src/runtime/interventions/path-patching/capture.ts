/** Copy out a few rows (batch row, position) of hooked activations during a run, instead of whole activations. */
import * as tf from '@tensorflow/tfjs';
import type { Hook } from '../../model/index.js';

export interface Pair { row: number; pos: number }

/**
 * Hooks that record, for each name (an activation [B, P, …] with positions on axis 1), the rows at `pairs`
 * as a Float32Array [pairs.length, …inner]. `startPos` is the run's first computed position.
 */
export function captureHooks(names: string[], pairs: Pair[], startPos = 0): { hooks: Hook[]; out: Map<string, Float32Array> } {
  const out = new Map<string, Float32Array>();
  const hooks: Hook[] = names.map((name) => ({
    name,
    fn: (x: tf.Tensor) => {
      const [B, P] = x.shape;
      const inner = x.size / (B * P);
      const idx = tf.tensor1d(pairs.map((p) => p.row * P + p.pos - startPos), 'int32');
      const rows = tf.gather(tf.reshape(x, [B * P, inner]), idx); // [pairs, inner]
      out.set(name, rows.dataSync() as Float32Array);
      // Inside the forward's tidy: idx and rows are freed with it.
    },
  }));
  return { hooks, out };
}
