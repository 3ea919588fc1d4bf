import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, writeFile, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, namedConfig, configFromHF, TensorCache, randomWeightSource, exportHFWeights } from '../../../src/runtime/model/index.js';
import { writeSafetensors } from '../../../src/runtime/io/safetensors.js';
import { relErr, data } from './helpers.js';
import { CircuitspecError } from '../../../src/errors.js';
import { FIXTURE } from './helpers.js';

describe('configs and loading', () => {
  it('named shapes are the GPT-2 family', () => {
    const s = (n: string) => { const c = namedConfig(n); return [c.nLayers, c.nHeads, c.dModel, c.dHead, c.dMlp, c.dVocab, c.nCtx]; };
    expect(s('gpt2')).toEqual([12, 12, 768, 64, 3072, 50257, 1024]);
    expect(s('gpt2-medium')).toEqual([24, 16, 1024, 64, 4096, 50257, 1024]);
    expect(s('gpt2-large')).toEqual([36, 20, 1280, 64, 5120, 50257, 1024]);
    expect(s('gpt2-xl')).toEqual([48, 25, 1600, 64, 6400, 50257, 1024]);
    expect(s('distilgpt2')).toEqual([6, 12, 768, 64, 3072, 50257, 1024]);
    expect(s('tiny')).toEqual([2, 4, 32, 8, 128, 50257, 64]);
    expect(() => namedConfig('gpt3')).toThrow(/unknown model shape 'gpt3'.*gpt2-medium/);
  });

  it('reads a Hugging Face config record', () => {
    const hf = { n_layer: 2, n_head: 4, n_embd: 32, n_positions: 64, vocab_size: 1000, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', n_inner: null };
    expect(configFromHF(hf)).toEqual({ nLayers: 2, nHeads: 4, dModel: 32, dHead: 8, dMlp: 128, dVocab: 1000, nCtx: 64, layerNormEps: 1e-5, actFn: 'gelu_new' });
    expect(() => configFromHF({ ...hf, activation_function: 'relu' })).toThrow(/activation_function 'relu'/);
    expect(() => configFromHF({ ...hf, n_head: 5 })).toThrow(/not divisible/);
  });

  it('random weights are seeded, N(0, 0.02) with scaled residual projections', () => {
    const c = namedConfig('tiny');
    const a = randomWeightSource(c, 1)('h.0.mlp.c_fc.weight');
    expect(randomWeightSource(c, 1)('h.0.mlp.c_fc.weight')).toEqual(a);
    expect(randomWeightSource(c, 2)('h.0.mlp.c_fc.weight')).not.toEqual(a);
    const std = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    expect(std(a)).toBeCloseTo(0.02, 3);
    expect(std(randomWeightSource(c, 1)('h.1.mlp.c_proj.weight'))).toBeCloseTo(0.02 / 2, 3);
    expect(randomWeightSource(c, 1)('ln_f.weight').every((v) => v === 1)).toBe(true);
  });

  it('loads the fixture folder with its identity; token ids beyond its vocabulary are a clear error', async () => {
    const m = await loadModel(FIXTURE, { backend: 'wasm' });
    expect(m.config.dVocab).toBe(1000);
    expect(m.identity.source).toBe(FIXTURE);
    expect(m.identity.weightHash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.identity.backend).toBe('wasm');
    expect(m.tokenizer.bosTokenId).toBe(999);
    expect(m.toTokens([[1, 2]], { prependBos: true }).ids[0]).toEqual([999, 1, 2]);
    expect(() => m.toTokens(['Hello world'])).toThrow(/token id \d+, outside the model's vocabulary 0..999/);
    expect(() => m.toTokens([[]])).toThrow(CircuitspecError);
    m.dispose();
  });

  it('a checkpoint with a wrong shape is an error naming the tensor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-model-'));
    try {
      const cfg = JSON.parse(await (await import('node:fs/promises')).readFile(join(FIXTURE, 'config.json'), 'utf8'));
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, n_embd: 64 }));
      await copyFile(join(FIXTURE, 'model.safetensors'), join(dir, 'model.safetensors'));
      await expect(loadModel(dir, { backend: 'wasm' })).rejects.toThrow(/wte\.weight/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exported weights round-trip through safetensors and loadModel', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-model-'));
    try {
      const a = await loadModel('random:tiny', { backend: 'wasm', seed: 9 });
      const c = a.config;
      await writeFile(join(dir, 'config.json'), JSON.stringify({
        model_type: 'gpt2', n_layer: c.nLayers, n_head: c.nHeads, n_embd: c.dModel, n_positions: c.nCtx,
        vocab_size: c.dVocab, layer_norm_epsilon: c.layerNormEps, activation_function: 'gelu_new',
      }));
      await writeSafetensors(join(dir, 'model.safetensors'), await exportHFWeights(a.weights));
      const b = await loadModel(dir, { backend: 'wasm' });
      const ids = [[1, 2, 3, 50256]];
      const [la, lb] = [(await a.runWithHooks(ids)).logits, (await b.runWithHooks(ids)).logits];
      expect(relErr(data(lb), data(la))).toBeLessThan(1e-6);
      for (const t of [la, lb]) t.dispose();
      a.dispose();
      b.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('random models record their seed; unknown processing is rejected', async () => {
    const m = await loadModel('random:tiny', { backend: 'wasm', seed: 5, processing: 'transformerlens' });
    expect(m.identity.weightHash).toBe('random:seed=5');
    expect(m.identity.processing.foldLn).toBe(true);
    m.dispose();
    await expect(loadModel('random:tiny', { processing: 'tl' as never })).rejects.toThrow(/processing must be/);
  });
});

describe('ActivationCache', () => {
  it('keeps arrays outside the backend, makes tensors lazily and owns them', async () => {
    const c = new TensorCache();
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    c.store('a', x);
    x.dispose();
    expect(() => c.array('a')).toThrow(/not read back yet/);
    await c.settle();
    expect(tf.memory().numTensors).toBe(before);
    const inTidy = tf.tidy(() => {
      c.get('a');
      return tf.add(c.get('a'), 1);
    });
    expect(Array.from(c.get('a').dataSync())).toEqual([1, 2, 3, 4]); // survived the tidy
    expect(c.array('a').shape).toEqual([2, 2]);
    expect(c.names()).toEqual(['a']);
    expect(() => c.get('b')).toThrow(/'b' is not in this cache/);
    inTidy.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
