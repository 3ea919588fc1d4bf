/** AdamW (decoupled weight decay) with global-norm gradient clipping and a warmup + cosine learning rate. */
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clip: number;
  warmup: number;
  steps: number;
  /** Final learning rate as a fraction of lr (cosine floor). */
  minLrFrac: number;
}

/** Linear warmup to lr, then cosine decay to lr·minLrFrac at `steps`. step is 1-based. */
export function learningRate(c: AdamWConfig, step: number): number {
  if (step <= c.warmup) return (c.lr * step) / c.warmup;
  const t = Math.min(1, (step - c.warmup) / Math.max(1, c.steps - c.warmup));
  const floor = c.lr * c.minLrFrac;
  return floor + (c.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * t));
}

export class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  /** `decay[i]`: whether params[i] gets weight decay (matrices and embeddings, not biases or LayerNorm gains). */
  /** `lrScale[i]`: optional per-element learning-rate multiplier (broadcast against params[i]). */
  constructor(readonly c: AdamWConfig, readonly params: tf.Variable[], readonly decay: boolean[], readonly lrScale: (tf.Tensor | null)[] = []) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One update from `grads` (same order as params); returns the gradient's global norm before clipping. */
  step(grads: tf.Tensor[]): number {
    this.t++;
    const { beta1: b1, beta2: b2, eps, weightDecay } = this.c;
    const lr = learningRate(this.c, this.t);
    const norm = tf.tidy(() => Math.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
    const scale = norm > this.c.clip ? this.c.clip / norm : 1;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = tf.mul(grads[i], scale);
        this.m[i].assign(tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1)));
        this.v[i].assign(tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2)));
        let upd = tf.div(tf.div(this.m[i], c1), tf.add(tf.sqrt(tf.div(this.v[i], c2)), eps));
        if (this.decay[i]) upd = tf.add(upd, tf.mul(p, weightDecay));
        const mult = this.lrScale[i];
        p.assign(tf.sub(p, tf.mul(mult ? tf.mul(upd, mult) : upd, lr)));
      });
    });
    return norm;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
