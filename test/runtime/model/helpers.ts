/** Shared helpers for the model tests. */
import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const FIXTURE = join(fileURLToPath(new URL('../../../fixtures/tiny-gpt2', import.meta.url)));

/** max |a − b| / max |b| */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / (den || 1);
}

export function data(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Deterministic token ids in [0, vocab). */
export function tokens(B: number, P: number, vocab: number, seed = 1): number[][] {
  let s = seed;
  return Array.from({ length: B }, () => Array.from({ length: P }, () => (s = (s * 1103515245 + 12345) % 2147483648) % vocab));
}
