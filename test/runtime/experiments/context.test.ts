import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { computeMetric, computeMetrics, createContext, disposeContext, positionsComputed } from '../../../src/runtime/experiments/index.js';
import type { MetricRequest } from '../../../src/runtime/experiments/types.js';
import { buildTask, checkTask } from '../../../src/runtime/tasks/index.js';

let model: HookedGPT2;
beforeAll(async () => {
  model = await loadModel('random:tiny', { backend: 'wasm', seed: 1 });
});
afterAll(() => model.dispose());

describe('experiment context', () => {
  it('metrics computed together with the same interventions share one rerun, with the values they get alone', async () => {
    const ioi = buildTask('ioi', { generator: 'ioi', n: 8, seed: 2, templates: 'all', corruption: 's2_io_flip' }, model.tokenizer);
    const ablate = [{ type: 'ablate' as const, hook: 'blocks.0.attn.hook_z', heads: [1], method: 'zero' as const }];
    const reqs: MetricRequest[] = [{ kind: 'logit_diff', task: 'ioi', with: ablate }, { kind: 'accuracy', task: 'ioi', with: ablate }];
    const alone = createContext(model, [ioi], { batchSize: 4 });
    const together = createContext(model, [ioi], { batchSize: 4 });
    try {
      const one = [await computeMetric(alone, reqs[0])];
      const afterOne = positionsComputed(alone);
      one.push(await computeMetric(alone, reqs[1]));
      expect(await computeMetrics(together, reqs)).toEqual(one);
      expect(positionsComputed(together)).toBe(afterOne); // the second request's rerun is the first one's
      expect(positionsComputed(alone)).toBeGreaterThan(afterOne);
    } finally {
      disposeContext(alone);
      disposeContext(together);
    }
  });

  it('shares one clean run per batch across metrics, and disposes everything', async () => {
    const before = tf.memory().numTensors;
    const ioi = buildTask('ioi', { generator: 'ioi', n: 10, seed: 1, templates: 'all', corruption: 's2_io_flip' }, model.tokenizer);
    checkTask(ioi, model.config, model.tokenizer);
    const ctx = createContext(model, [ioi], { batchSize: 4 });
    const ld = await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi' });
    const afterFirst = positionsComputed(ctx);
    const acc = await computeMetric(ctx, { kind: 'accuracy', task: 'ioi' });
    const accC = await computeMetric(ctx, { kind: 'accuracy', task: 'ioi', over: 'candidates' });
    const prob = await computeMetric(ctx, { kind: 'answer_prob', task: 'ioi' });
    expect(positionsComputed(ctx)).toBe(afterFirst); // no new forward passes
    expect(ld.type === 'scalar' && ld.perPrompt).toHaveLength(10);
    for (const v of [acc, accC]) expect(v.type === 'scalar' && v.perPrompt!.every((x) => x === 0 || x === 1)).toBe(true);
    expect(prob.type === 'scalar' && prob.value > 0 && prob.value < 1).toBe(true);
    const att = await computeMetric(ctx, { kind: 'attention', task: 'ioi', head: { layer: 1, head: 2 }, from: 'END', to: 'IO' });
    expect(att.type === 'scalar' && att.value > 0 && att.value < 1).toBe(true);
    const dla = await computeMetric(ctx, { kind: 'dla', task: 'ioi' });
    expect(dla.type === 'heads' && [dla.nLayers, dla.nHeads]).toEqual([2, 4]);
    const hs = await computeMetric(ctx, { kind: 'head_scores', score: 'induction', seqLen: 6, n: 2 });
    expect(hs.type).toBe('heads');
    await expect(computeMetric(ctx, { kind: 'logit_diff', task: 'nope' })).rejects.toThrow(/unknown task 'nope' \(tasks: ioi\)/);
    await expect(computeMetric(ctx, { kind: 'attention', task: 'ioi', head: { layer: 1, head: 2 }, from: 'END', to: 'S7' })).rejects.toThrow(/prompt ioi#0 has no role 'S7'/);
    disposeContext(ctx);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('attention equals the cached pattern read by hand', async () => {
    const ioi = buildTask('ioi', { generator: 'ioi', n: 3, seed: 2 }, model.tokenizer);
    const ctx = createContext(model, [ioi], { batchSize: 2 });
    const att = await computeMetric(ctx, { kind: 'attention', task: 'ioi', head: { layer: 0, head: 1 }, from: 'S2', to: 'S1' });
    disposeContext(ctx);
    const want: number[] = [];
    for (const p of ioi.prompts) {
      const { logits, cache } = await model.runWithCache([p.tokens], { names: ['blocks.0.attn.hook_pattern'] });
      const { data, shape } = cache.array('blocks.0.attn.hook_pattern');
      want.push(data[((0 * shape[1] + 1) * shape[2] + p.roles.S2) * shape[3] + p.roles.S1]);
      logits.dispose();
      cache.dispose();
    }
    expect(att.type === 'scalar' && att.perPrompt!.map((x, i) => Math.abs(x - want[i]) < 1e-6)).toEqual([true, true, true]);
  });

  it("DLA of a last-layer head is what removing its output at END costs, with the final LayerNorm scale and the MLP frozen", async () => {
    const ioi = buildTask('ioi', { generator: 'ioi', n: 4, seed: 3 }, model.tokenizer);
    const ctx = createContext(model, [ioi], { batchSize: 4 });
    const dla = await computeMetric(ctx, { kind: 'dla', task: 'ioi' });
    disposeContext(ctx);
    if (dla.type !== 'heads') throw new Error('expected a head table');
    const last = model.config.nLayers - 1;
    const ids = ioi.prompts.map((p) => p.tokens);
    const ld = (logits: tf.Tensor): number[] => {
      const d = logits.dataSync();
      const V = logits.shape[1]!;
      return ioi.prompts.map((p, r) => d[r * V + p.answerId] - d[r * V + p.distractorIds[0]]);
    };
    // Frozen: the final scale, and the last MLP (so only the head's direct path changes).
    const clean = await model.runWithCache(ids, { names: ['ln_final.hook_scale', `blocks.${last}.hook_mlp_out`], logitsAt: 'last' });
    const cleanLd = ld(clean.logits);
    for (let h = 0; h < model.config.nHeads; h++) {
      const zero = new Float32Array(ids.length * ids[0].length * model.config.nHeads * model.config.dHead);
      const { logits } = await model.runWithHooks(ids, { logitsAt: 'last', hooks: [
        { name: `blocks.${last}.attn.hook_z`, value: zero, heads: [h], positions: ioi.prompts.map((p) => [p.roles.END]) },
        { name: 'ln_final.hook_scale', value: clean.cache.get('ln_final.hook_scale') },
        { name: `blocks.${last}.hook_mlp_out`, value: clean.cache.get(`blocks.${last}.hook_mlp_out`) },
      ] });
      const removed = ld(logits).map((x, i) => cleanLd[i] - x);
      logits.dispose();
      expect(dla.values[last][h]).toBeCloseTo(removed.reduce((a, b) => a + b, 0) / removed.length, 5);
    }
    clean.logits.dispose();
    clean.cache.dispose();
  });

  it('computeMetrics gives the same values as one at a time, with fewer positions computed when caches do not fit', async () => {
    const co = buildTask('co', { generator: 'colored-objects', n: 6, seed: 1, corruption: 'question_object' }, model.tokenizer);
    const repair = (heads: [number, number][]) => [{ type: 'attention_override' as const, heads: heads.map(([layer, head]) => ({ layer, head })), query: 'END', keys: { wrong_colour1: 0.5, wrong_colour2: 0.5 } }];
    const reqs: MetricRequest[] = [
      { kind: 'accuracy', task: 'co', over: 'candidates' },
      { kind: 'logit_diff', task: 'co', versus: 'mean_others', with: repair([[1, 0], [1, 3]]) },
      { kind: 'answer_prob', task: 'co', with: repair([[0, 2]]) },
      { kind: 'patching_score', task: 'co', with: [{ type: 'patch', hook: 'blocks.1.attn.hook_z', positions: ['END'], from: 'corrupted' }] },
      { kind: 'attention', task: 'co', head: { layer: 1, head: 0 }, from: 'END', to: 'wrong_colour1' },
    ];
    const one = createContext(model, [co], { batchSize: 3, cacheBytes: 1 });
    const single: unknown[] = [];
    for (const r of reqs) single.push(await computeMetric(one, r));
    const many = createContext(model, [co], { batchSize: 3, cacheBytes: 1 });
    const together = await computeMetrics(many, reqs);
    expect(together).toEqual(single);
    expect(positionsComputed(many)).toBeLessThan(positionsComputed(one));
    const overridden = together[4];
    expect(overridden.type).toBe('scalar');
    disposeContext(one);
    disposeContext(many);
  });
});
