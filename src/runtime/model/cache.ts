/**
 * Cached activations live outside the backend (plain Float32Arrays), so caches of a large model never crowd its
 * weights. A run only marks what to copy (`store`); `settle` reads it all back asynchronously once the forward is
 * done, so a GPU is never stalled mid-forward by a synchronous read. `get` makes a tensor lazily; the cache owns
 * it until dispose().
 */
import * as tf from '@tensorflow/tfjs';
import { CircuitspecError } from '../../errors.js';

export interface ActivationCache {
  /** The first position the activations cover (0, or the start of a partial rerun). */
  readonly startPos: number;
  has(name: string): boolean;
  get(name: string): tf.Tensor;
  array(name: string): { data: Float32Array; shape: number[] };
  names(): string[];
  dispose(): void;
}

export class TensorCache implements ActivationCache {
  private readonly arrays = new Map<string, { data: Float32Array; shape: number[] }>();
  private readonly tensors = new Map<string, tf.Tensor>();
  /** Stored during a run, not yet read back: references kept out of the forward's tidy scopes. */
  private readonly pending = new Map<string, tf.Tensor>();

  /** `startPos`: the first position these activations cover (a partial rerun caches positions >= startPos). */
  constructor(readonly startPos = 0) {}

  /** Mark `x` to be copied out by settle() (the caller still owns and disposes `x`; this keeps its own reference). */
  store(name: string, x: tf.Tensor): void {
    this.pending.get(name)?.dispose();
    this.pending.set(name, tf.keep(tf.clone(x)));
  }

  /** Read every stored activation back, all requests in flight together, and free the backend's copies. */
  async settle(): Promise<void> {
    const entries = [...this.pending.entries()];
    this.pending.clear();
    try {
      const datas = await Promise.all(entries.map(([, t]) => t.data() as Promise<Float32Array>));
      entries.forEach(([name, t], i) => this.put(name, datas[i], t.shape.slice()));
    } finally {
      for (const [, t] of entries) t.dispose();
    }
  }

  put(name: string, data: Float32Array, shape: number[]): void {
    this.tensors.get(name)?.dispose();
    this.tensors.delete(name);
    this.arrays.set(name, { data, shape });
  }

  has(name: string): boolean {
    return this.arrays.has(name);
  }

  array(name: string): { data: Float32Array; shape: number[] } {
    const a = this.arrays.get(name);
    if (!a && this.pending.has(name)) {
      throw new CircuitspecError(`activation '${name}' is stored but not read back yet (await cache.settle() first)`, { field: name });
    }
    if (!a) {
      throw new CircuitspecError(`activation '${name}' is not in this cache (cached: ${this.names().slice(0, 8).join(', ')}${this.arrays.size > 8 ? ', …' : ''})`, { field: name });
    }
    return a;
  }

  /** A tensor owned by the cache (kept out of any enclosing tf.tidy); do not dispose it yourself. */
  get(name: string): tf.Tensor {
    let t = this.tensors.get(name);
    if (!t) {
      const a = this.array(name);
      t = tf.keep(tf.tensor(a.data, a.shape, 'float32'));
      this.tensors.set(name, t);
    }
    return t;
  }

  names(): string[] {
    return [...this.arrays.keys()];
  }

  /** Frees the tensors made by get() and any not yet read back, and drops the arrays. */
  dispose(): void {
    for (const t of [...this.tensors.values(), ...this.pending.values()]) t.dispose();
    this.tensors.clear();
    this.pending.clear();
    this.arrays.clear();
  }
}

/** Positions [from, to) along axis 1 of a cached activation, as a new tensor (caller disposes). */
export function sliceAxis1(a: { data: Float32Array; shape: number[] }, from: number, to: number): tf.Tensor {
  const [B, P] = a.shape;
  const inner = a.shape.slice(2).reduce((x, y) => x * y, 1);
  const n = to - from;
  const out = new Float32Array(B * n * inner);
  for (let b = 0; b < B; b++) out.set(a.data.subarray((b * P + from) * inner, (b * P + to) * inner), b * n * inner);
  return tf.tensor(out, [B, n, ...a.shape.slice(2)], 'float32');
}
