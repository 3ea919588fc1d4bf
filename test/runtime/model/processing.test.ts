import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  HookedGPT2, loadModel, namedConfig, randomWeightSource, weightsFromSource, processWeights, resolveProcessing,
  type ProcessingFlags, type WeightSource,
} from '../../../src/runtime/model/index.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { gpt2Tokenizer } from '../../../src/runtime/tokenizer/index.js';
import { makeRng } from '../../../src/runtime/util/rng.js';
import { FIXTURE, relErr, tokens } from './helpers.js';

const FLAGS: Partial<ProcessingFlags>[] = [
  { foldLn: true }, { centerWritingWeights: true }, { centerUnembed: true }, { foldValueBiases: true },
  { foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true },
];

/** Logits minus their mean over the vocabulary (centre_unembed shifts each position's logits by a constant). */
// (Read data outside tf.tidy: tidy walks its return value, and walking a large typed array is slow.)
function centred(logits: tf.Tensor): Float32Array {
  const t = tf.tidy(() => tf.sub(logits, tf.mean(logits, -1, true)));
  const d = t.dataSync() as Float32Array;
  t.dispose();
  return d;
}

function argmax(logits: tf.Tensor): number[] {
  const t = tf.argMax(logits, -1);
  const d = Array.from(t.dataSync());
  t.dispose();
  return d;
}

/** random:tiny with non-trivial LayerNorm weights and biases everywhere, so every fold has work to do. */
function perturbedSource(seed: number): WeightSource {
  const base = randomWeightSource(namedConfig('tiny'), seed);
  const rng = makeRng(seed + 1);
  return (key) => {
    const a = base(key);
    if (/ln_\d\.weight$|ln_f\.weight$/.test(key)) return a.map(() => 0.5 + rng.next());
    if (key.endsWith('.bias')) return a.map(() => (rng.next() - 0.5) * 0.2);
    return a;
  };
}

describe('weight processing (TransformerLens)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('resolves the shorthands and rejects unknown flags', () => {
    expect(resolveProcessing('none')).toEqual({ foldLn: false, centerWritingWeights: false, centerUnembed: false, foldValueBiases: false });
    expect(resolveProcessing('transformerlens')).toEqual({ foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true });
    expect(resolveProcessing({ centerUnembed: true }).centerUnembed).toBe(true);
    expect(() => resolveProcessing({ foldLN: true } as never)).toThrow(/unknown processing flag 'foldLN'/);
  });

  it('leaves logit differences and predictions unchanged, each flag alone and all together (random:tiny)', async () => {
    const config = namedConfig('tiny');
    const make = (flags: Partial<ProcessingFlags>) => {
      const w = weightsFromSource(perturbedSource(7), config);
      const f = resolveProcessing(flags);
      processWeights(w, f);
      return new HookedGPT2(w, config, gpt2Tokenizer(), { source: 'test', weightHash: '', processing: f, backend: 'wasm' });
    };
    const ids = tokens(2, 8, 50257, 4);
    const raw = make({});
    const { logits: ref } = await raw.runWithHooks(ids);
    for (const flags of FLAGS) {
      const m = make(flags);
      const { logits } = await m.runWithHooks(ids);
      expect(relErr(centred(logits), centred(ref)), JSON.stringify(flags)).toBeLessThan(1e-4);
      expect(argmax(logits), JSON.stringify(flags)).toEqual(argmax(ref));
      logits.dispose();
      m.dispose();
    }
    // what each flag does to the weights
    const tl = make('transformerlens' as never);
    const b0 = tl.weights.blocks[0];
    expect(b0.ln1.w).toBeNull();
    expect(tl.weights.bU).not.toBeNull();
    const maxAbs = (f: () => tf.Tensor) => {
      const t = tf.tidy(() => tf.max(tf.abs(f())));
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    };
    expect(maxAbs(() => tf.mean(tl.weights.wte, 1))).toBeLessThan(1e-6);
    expect(maxAbs(() => tf.mean(tl.weights.WU, 1))).toBeLessThan(1e-6);
    expect(maxAbs(() => tf.slice(b0.cAttnB, [64], [32]))).toBe(0);
    tl.dispose();
    ref.dispose();
    raw.dispose();
  });

  it('leaves logit differences and predictions unchanged on the fixture', async () => {
    const ids = tokens(2, 10, 1000, 8);
    const none = await loadModel(FIXTURE, { backend: 'wasm', processing: 'none' });
    const { logits: ref } = await none.runWithHooks(ids);
    for (const flags of FLAGS) {
      const m = await loadModel(FIXTURE, { backend: 'wasm', processing: flags });
      expect(m.identity.processing).toEqual(resolveProcessing(flags));
      const { logits } = await m.runWithHooks(ids);
      expect(relErr(centred(logits), centred(ref)), JSON.stringify(flags)).toBeLessThan(1e-4);
      expect(argmax(logits)).toEqual(argmax(ref));
      logits.dispose();
      m.dispose();
    }
    ref.dispose();
    none.dispose();
  });
});
