import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { SafetensorsFile } from '../../../src/runtime/io/safetensors.js';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { FIXTURE, relErr, data } from './helpers.js';

describe('parity with the PyTorch reference (processing none)', () => {
  let model: HookedGPT2;
  let ref: SafetensorsFile;
  beforeAll(async () => {
    model = await loadModel(FIXTURE, { backend: 'wasm', processing: 'none' });
    ref = await SafetensorsFile.open(join(FIXTURE, 'reference.safetensors'));
  });

  it('logits and every cached activation within 1e-4 relative error', async () => {
    const idsFlat = ref.readInt('input_ids');
    const [B, P] = ref.tensors.get('input_ids')!.shape;
    const ids = Array.from({ length: B }, (_, b) => Array.from(idsFlat.subarray(b * P, (b + 1) * P)));
    const names = [...ref.tensors.keys()].filter((n) => n !== 'input_ids' && n !== 'logits');
    const { logits, cache } = await model.runWithCache(ids, { names });
    expect(logits.shape).toEqual([B, P, model.config.dVocab]);
    expect(relErr(data(logits), ref.readFloat32('logits'))).toBeLessThan(1e-4);
    for (const n of names) {
      const got = cache.array(n);
      expect(got.shape, n).toEqual(ref.tensors.get(n)!.shape);
      expect(relErr(got.data, ref.readFloat32(n)), n).toBeLessThan(1e-4);
    }
    logits.dispose();
    cache.dispose();
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });
});
