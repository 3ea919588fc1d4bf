/**
 * Next-token cross-entropy from plain ops, with integer targets and optional per-position weights (padding).
 * tf.losses.softmaxCrossEntropy is a customGrad op that trips tfjs's kernel leak check on wasm when IS_TEST is
 * set (as test environments may); this version differentiates cleanly either way.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Mean cross-entropy of logits [..., V] against integer targets [...] (same leading shape). `weights` [...]
 * (optional, e.g. 0 at padding) weights each position; the mean is over the weight sum.
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const V = logits.shape[logits.shape.length - 1];
    const flat = tf.reshape(logits, [-1, V]); // [N, V]
    // The shift cancels exactly in logZ − picked, so its gradient is zero too (tfjs has no stopGradient).
    const shifted = tf.sub(flat, tf.max(flat, 1, true)); // [N, V]
    const logZ = tf.log(tf.sum(tf.exp(shifted), 1)); // [N]
    const picked = tf.sum(tf.mul(shifted, tf.oneHot(tf.reshape(targets, [-1]).toInt(), V)), 1); // [N]
    const nll = tf.sub(logZ, picked); // [N]
    if (!weights) return tf.mean(nll) as tf.Scalar;
    const w = tf.reshape(weights, [-1]).toFloat(); // [N]
    return tf.div(tf.sum(tf.mul(nll, w)), tf.maximum(tf.sum(w), 1e-9)) as tf.Scalar;
  });
}
