/** A read-only view of a cache with every batch row repeated n times (row j*B + b = row b), built lazily. */
import { CircuitspecError } from '../../../errors.js';
import type { ActivationCache } from '../../model/index.js';
import type * as tf from '@tensorflow/tfjs';

export function tiledCache(base: ActivationCache, n: number): ActivationCache {
  return {
    has: (name) => base.has(name),
    names: () => base.names(),
    array: (name) => {
      const a = base.array(name);
      const shape = [a.shape[0] * n, ...a.shape.slice(1)];
      // The forward reads each layer's keys/values once: tile on access and keep nothing.
      return {
        shape,
        get data(): Float32Array {
          const out = new Float32Array(a.data.length * n);
          for (let j = 0; j < n; j++) out.set(a.data, j * a.data.length);
          return out;
        },
      };
    },
    get: (name): tf.Tensor => {
      throw new CircuitspecError(`tiled cache: get('${name}') is not supported (use array)`);
    },
    dispose: () => undefined,
  };
}
