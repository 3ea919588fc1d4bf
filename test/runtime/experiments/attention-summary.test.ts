import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attentionSummary } from '../../../src/runtime/experiments/attention-summary.js';
import { computeMetric, createContext, disposeContext } from '../../../src/runtime/experiments/index.js';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { buildTask, checkTask } from '../../../src/runtime/tasks/index.js';

let model: HookedGPT2;
beforeAll(async () => {
  model = await loadModel('random:tiny', { backend: 'wasm', seed: 1 });
});
afterAll(() => model.dispose());

describe('attention summary', () => {
  it('role-to-role means agree with the attention metric on the same prompts; example rows are attention rows', async () => {
    const before = tf.memory().numTensors;
    const ioi = buildTask('ioi', { generator: 'ioi', n: 6, seed: 2, templates: 'all', corruption: 's2_io_flip' }, model.tokenizer);
    checkTask(ioi, model.config, model.tokenizer);
    // One batch holds every prompt, so the summary's batch is the whole task, as the metric's mean is.
    const ctx = createContext(model, [ioi], { batchSize: 8 });
    const a = await attentionSummary(ctx, 'ioi');
    expect(a.roles.at(-1)).toBe('END');
    expect(a.roles).toEqual(expect.arrayContaining(['IO', 'S1', 'S2']));
    expect(a.prompts).toBe(6);
    const { nLayers, nHeads } = model.config;
    expect([a.mean.length, a.mean[0].length, a.mean[0][0].length]).toEqual([nLayers, nHeads, a.roles.length]);
    for (const [l, h] of [[0, 1], [1, 3]]) {
      const m = await computeMetric(ctx, { kind: 'attention', task: 'ioi', head: { layer: l, head: h }, from: 'END', to: 'S2' });
      expect(a.mean[l][h][a.roles.indexOf('END')][a.roles.indexOf('S2')]).toBeCloseTo(m.type === 'scalar' ? m.value : NaN, 3);
    }
    // Causal: a role never attends to a later one.
    const io = a.roles.indexOf('IO'), s2 = a.roles.indexOf('S2');
    expect(a.mean.flat().every((m) => m[io][s2] === 0)).toBe(true);
    const ex = a.example;
    expect(ex.tokens.join('')).toBe(ioi.prompts[0].text);
    expect(ex.roles.END).toBe(ex.tokens.length - 1);
    for (const r of a.roles) {
      for (const layer of ex.rows[r]) for (const row of layer) {
        expect(row).toHaveLength(ex.roles[r] + 1);
        expect(row.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 2);
      }
    }
    disposeContext(ctx);
    expect(tf.memory().numTensors).toBe(before);
  });
});
