/** Small tf primitives the forward is made of, chosen for wasm speed and for differentiability on wasm. */
import * as tf from '@tensorflow/tfjs';

/** x[N, in] @ W[in, out] + b[out]: the fast 2-D untransposed kernel. */
export function linear(x: tf.Tensor, W: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  const y = tf.matMul(x as tf.Tensor2D, W); // [N, out]
  return (b ? tf.add(y, b) : y) as tf.Tensor2D;
}

const GELU_K = 2 * Math.sqrt(2 / Math.PI);

/**
 * gelu_new: 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), computed as x·σ(2u) (the same function):
 * on wasm sigmoid is ~5× faster than tanh and x·x·x ~5× faster than pow(x, 3).
 */
export function geluNew(x: tf.Tensor): tf.Tensor {
  const twoU = tf.mul(x, tf.add(tf.mul(tf.mul(x, x), GELU_K * 0.044715), GELU_K)); // 2u = x·(k + k·0.044715·x²)
  return tf.mul(x, tf.sigmoid(twoU));
}

/**
 * Rows of table [N, d] at int32 indices [n] → [n, d]. tf.gather's gradient needs UnsortedSegmentSum, which the
 * wasm backend lacks; there this one scatters the gradient back with scatterND (which sums repeated indices).
 * Other backends differentiate tf.gather themselves, and a GPU one must not be stalled by reading indices back.
 */
export function gatherRows(table: tf.Tensor2D, indices: tf.Tensor1D): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.gather(table, indices);
  // The indices are read back as data (not saved as a tensor): saving would clone a tensor inside the op, which
  // tfjs's leak check (IS_TEST) reports on wasm, and a closure over the tensor would outlive the caller's tidy.
  // On wasm this read is a copy within CPU memory.
  const idx = indices.dataSync() as Int32Array;
  const shape = table.shape;
  const f = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.gather(t, indices),
    gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.tensor2d(idx, [idx.length, 1], 'int32'), dy, shape),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(table) as tf.Tensor2D;
}

/**
 * n copies of x stacked along axis 0 ([a, …] → [n·a, …]). tf.tile and tf.broadcastTo do the same ~100× slower on
 * wasm (index arithmetic per element); concat copies whole blocks.
 */
export function repeat<T extends tf.Tensor>(x: T, n: number): T {
  return (n === 1 ? tf.clone(x) : tf.concat(new Array<T>(n).fill(x), 0)) as T;
}
