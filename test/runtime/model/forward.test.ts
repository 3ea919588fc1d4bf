import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  loadModel, forward, mapWeights, disposeWeights, weightsFromSource, randomWeightSource, namedConfig, crossEntropy, type HookedGPT2,
} from '../../../src/runtime/model/index.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { relErr, data, tokens } from './helpers.js';

describe('forward', () => {
  let model: HookedGPT2;
  beforeAll(async () => {
    model = await loadModel('random:tiny', { backend: 'wasm', seed: 1 });
  });

  it("a prompt's logits do not depend on its batch-mates or padding", async () => {
    const [a, b, c] = tokens(3, 9, 50257, 11);
    const alone = await model.runWithHooks([a.slice(0, 4)], { logitsAt: 'all' });
    const batched = await model.runWithHooks([b, a.slice(0, 4), c.slice(0, 6)], { logitsAt: 'all' });
    const row = (batched.logits.arraySync() as number[][][])[1].slice(0, 4).flat();
    expect(relErr(row, data(alone.logits))).toBeLessThan(1e-5);
    const last = await model.runWithHooks([b, a.slice(0, 4), c.slice(0, 6)], { logitsAt: 'last' });
    expect(last.logits.shape).toEqual([3, 50257]);
    const aloneLast = (alone.logits.arraySync() as number[][][])[0][3];
    expect(relErr((last.logits.arraySync() as number[][])[1], aloneLast)).toBeLessThan(1e-5);
    for (const t of [alone.logits, batched.logits, last.logits]) t.dispose();
  });

  it('strings go through the tokenizer; BOS only when asked', () => {
    const { ids, lengths } = model.toTokens(['Hello world', 'Hi']);
    expect(lengths).toEqual([2, 1]);
    expect(ids[1].length).toBe(2);
    expect(model.toTokens(['Hi'], { prependBos: true }).ids[0][0]).toBe(50256);
  });

  it('100 forwards leave tf.memory().numTensors unchanged', async () => {
    const ids = tokens(2, 5, 50257, 2);
    const run = async () => {
      const { logits, cache } = await model.runWithCache(ids, { names: ['blocks.0.attn.hook_result'], logitsAt: 'last', hooks: [{ name: 'blocks.1.attn.hook_z', value: new Float32Array(2 * 5 * 32), heads: [1] }] });
      logits.dispose();
      cache.dispose();
    };
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains: gradients through forward with tf.Variable weights match finite differences', async () => {
    await initBackend('wasm');
    const config = namedConfig('tiny');
    const base = weightsFromSource(randomWeightSource(config, 4), config);
    const vars = mapWeights(base, (t) => tf.variable(t));
    disposeWeights(base);
    const ids = tf.tensor2d(tokens(2, 6, 50257, 9), [2, 6], 'int32');
    const targets = tf.tensor2d(tokens(2, 6, 50257, 10), [2, 6], 'int32');
    const loss = () => tf.tidy(() => {
      const logits = forward(vars, config, ids, { logitsAt: 'all' }).logits!; // [B, P, V]
      return crossEntropy(logits, targets);
    });
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(loss);
    const g = grads[(vars.blocks[0].fcW as tf.Variable).name];
    expect(g.shape).toEqual([32, 128]);
    // finite difference on one weight
    const W = vars.blocks[0].fcW as unknown as tf.Variable;
    const idx = 5 * 128 + 7;
    const eps = 1e-2;
    const w0 = W.dataSync().slice();
    const at = (delta: number) => {
      const w = w0.slice();
      w[idx] += delta;
      tf.tidy(() => W.assign(tf.tensor2d(w, [32, 128])));
      const l = loss();
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    tf.tidy(() => W.assign(tf.tensor2d(w0, [32, 128])));
    expect(Math.abs(g.dataSync()[idx] - fd)).toBeLessThan(1e-3 + 0.05 * Math.abs(fd));
    // a step of SGD lowers the loss
    const opt = tf.train.sgd(0.5);
    opt.applyGradients(grads);
    const after = loss();
    expect(after.dataSync()[0]).toBeLessThan(value.dataSync()[0]);
    after.dispose();
    value.dispose();
    Object.values(grads).forEach((t) => t.dispose());
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    disposeWeights(vars);
    ids.dispose();
    targets.dispose();
  });
});
