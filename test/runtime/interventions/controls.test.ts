/**
 * attention_block and random controls against direct computations with the API on the shared tiny reference:
 * hook_pattern rewritten by hand (plain arrays) in a full forward pass, and each control sample run on its own.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { computeMetric, createContext, disposeContext } from '../../../src/runtime/experiments/index.js';
import { makeBatches } from '../../../src/runtime/experiments/batches.js';
import type { ExperimentContext, Head, Intervention, MetricValue } from '../../../src/runtime/experiments/types.js';
import { sampleSd } from '../../../src/runtime/metrics/distribution.js';
import { syntheticTask, TINY } from '../experiments/helpers.js';

let model: HookedGPT2;
let ctx: ExperimentContext;
// Prompts of three lengths, so END sits at different positions within a padded batch.
const task = syntheticTask('syn', 6, [12, 10, 11]);

beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
  ctx = createContext(model, [task], { batchSize: 4 });
});
afterAll(() => {
  disposeContext(ctx);
  model.dispose();
});

const per = (v: MetricValue): number[] => (v.type === 'scalar' ? v.perPrompt! : []);

/** Logit differences with the block written by hand: plain arrays, one full forward pass per prompt. */
async function directLd(heads: Head[], keys: string[], renormalize: boolean): Promise<number[]> {
  const out: number[] = [];
  for (const p of task.prompts) {
    const q = p.roles.END;
    const blocked = keys.map((r) => p.roles[r]);
    const hooks = [...new Set(heads.map((h) => h.layer))].map((layer) => ({
      name: `blocks.${layer}.attn.hook_pattern`,
      fn: (x: tf.Tensor) => {
        const a = x.arraySync() as number[][][][]; // [1, H, P, K]
        for (const h of heads.filter((x) => x.layer === layer)) {
          const row = a[0][h.head][q];
          for (const k of blocked) row[k] = 0;
          if (renormalize) {
            const sum = row.reduce((s, w) => s + w, 0);
            for (let k = 0; k < row.length; k++) row[k] /= sum;
          }
        }
        return tf.tensor4d(a);
      },
    }));
    const { logits } = await model.runWithHooks([p.tokens], { hooks, logitsAt: 'last' });
    const d = logits.dataSync();
    out.push(d[p.answerId] - d[p.distractorIds[0]]);
    logits.dispose();
  }
  return out;
}

const H = (layer: number, head: number): Head => ({ layer, head });

describe('attention_block', () => {
  it('matches hook_pattern edited by hand, renormalised or not (partial rerun from END vs a full pass)', async () => {
    const heads = [H(0, 1), H(1, 2), H(1, 3)];
    for (const renormalize of [true, false]) {
      const iv: Intervention = { type: 'attention_block', heads, query: 'END', keys: ['A', 'B2'], renormalize };
      const got = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [iv] }));
      const want = await directLd(heads, ['A', 'B2'], renormalize);
      got.forEach((x, i) => expect(x).toBeCloseTo(want[i], 4));
    }
    const clean = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn' }));
    const blocked = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [{ type: 'attention_block', heads, query: 'END', keys: ['A'], renormalize: true }] }));
    expect(blocked.some((x, i) => Math.abs(x - clean[i]) > 1e-4)).toBe(true);
  });

  it('renormalised rows sum to 1 and give the blocked keys 0 (read back from the cache)', async () => {
    const batch = makeBatches(task, 4)[0];
    const iv: Intervention = { type: 'attention_block', heads: [H(1, 0)], query: 'END', keys: ['B'], renormalize: true };
    const { batchHooks } = await import('../../../src/runtime/interventions/index.js');
    const bh = await batchHooks(ctx, 'syn', batch, [iv]);
    const { cache, logits } = await model.runWithCache(batch.clean, { names: ['blocks.1.attn.hook_pattern'], hooks: bh.hooks, startPos: bh.startPos, past: bh.past, logitsAt: 'last' });
    const a = cache.array('blocks.1.attn.hook_pattern');
    const [, Hn, P, K] = a.shape;
    batch.prompts.forEach((p, b) => {
      const q = p.roles.END - bh.startPos;
      const row = Array.from({ length: K }, (_, k) => a.data[((b * Hn + 0) * P + q) * K + k]);
      expect(row[p.roles.B]).toBe(0);
      expect(row.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 5);
    });
    cache.dispose();
    logits.dispose();
    bh.dispose();
  });

  it('says which prompt fails: a key after the query, or nothing left to renormalise', async () => {
    const bad: Intervention = { type: 'attention_block', heads: [H(0, 0)], query: 'B', keys: ['B2'], renormalize: true };
    await expect(computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [bad] })).rejects.toThrow(/prompt syn#0: a key role \(position 9\) comes after the query \(position 3\)/);
    const all: Intervention = { type: 'attention_block', heads: [H(0, 0)], query: 'A', keys: ['A'], renormalize: true };
    // Query A at position 1 sees keys 0 and 1; blocking 1 leaves 0, so this runs.
    await expect(computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [all] })).resolves.toBeDefined();
    const none = syntheticTask('first', 2, 12);
    for (const p of none.prompts) p.roles.A = 0;
    const c2 = createContext(model, [none], { batchSize: 2 });
    try {
      const iv: Intervention = { type: 'attention_block', heads: [H(0, 0)], query: 'A', keys: ['A'], renormalize: true };
      await expect(computeMetric(c2, { kind: 'logit_diff', task: 'first', with: [iv] })).rejects.toThrow(/leaves the row no weight to renormalize/);
      await expect(computeMetric(c2, { kind: 'logit_diff', task: 'first', with: [{ ...iv, renormalize: false }] })).resolves.toBeDefined();
    } finally {
      disposeContext(c2);
    }
  });
});

describe('random controls', () => {
  const samples: Intervention[][] = [
    [{ type: 'attention_block', heads: [H(0, 0), H(1, 1)], query: 'END', keys: ['A'], renormalize: true }],
    [{ type: 'attention_block', heads: [H(0, 2), H(1, 3)], query: 'END', keys: ['A'], renormalize: true }],
    [{ type: 'attention_block', heads: [H(0, 3), H(1, 0)], query: 'END', keys: ['A'], renormalize: true }],
  ];

  it('one value per sample, equal to the metric with that sample alone; mean and sample sd', async () => {
    for (const kind of ['logit_diff', 'accuracy', 'answer_prob'] as const) {
      const v = await computeMetric(ctx, { kind, task: 'syn', control: { samples } });
      if (v.type !== 'distribution') throw new Error('expected a distribution');
      const each: number[] = [];
      for (const s of samples) {
        const one = await computeMetric(ctx, { kind, task: 'syn', with: s });
        each.push(one.type === 'scalar' ? one.value : NaN);
      }
      v.values.forEach((x, i) => expect(x).toBeCloseTo(each[i], 6));
      const m = each.reduce((a, b) => a + b, 0) / each.length;
      expect(v.mean).toBeCloseTo(m, 6);
      expect(v.sd).toBeCloseTo(Math.sqrt(each.reduce((a, x) => a + (x - m) ** 2, 0) / (each.length - 1)), 6);
      expect(v.heads).toEqual([['0.0', '1.1'], ['0.2', '1.3'], ['0.3', '1.0']]);
    }
  });

  it("a control's samples join the metric's own interventions; patching_score per sample", async () => {
    const fixed: Intervention = { type: 'ablate', hook: 'blocks.0.attn.hook_z', heads: [1], method: 'zero' };
    const v = await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [fixed], control: { samples } });
    const first = await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [fixed, ...samples[0]] });
    expect(v.type === 'distribution' && v.values[0]).toBeCloseTo(first.type === 'scalar' ? first.value : NaN, 6);
    const patch: Intervention[][] = [[{ type: 'patch', hook: 'blocks.1.attn.hook_z', heads: [0], from: 'corrupted' }], [{ type: 'patch', hook: 'blocks.1.attn.hook_z', heads: [2], from: 'corrupted' }]];
    const ps = await computeMetric(ctx, { kind: 'patching_score', task: 'syn', with: [], control: { samples: patch } });
    for (const [i, s] of patch.entries()) {
      const one = await computeMetric(ctx, { kind: 'patching_score', task: 'syn', with: s });
      expect(ps.type === 'distribution' && ps.values[i]).toBeCloseTo(one.type === 'scalar' ? one.value : NaN, 6);
    }
  });

  it('gives the same values whatever the batch split', async () => {
    const c1 = createContext(model, [task], { batchSize: 1 });
    try {
      const a = await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', control: { samples } });
      const b = await computeMetric(c1, { kind: 'logit_diff', task: 'syn', control: { samples } });
      if (a.type !== 'distribution' || b.type !== 'distribution') throw new Error('expected distributions');
      a.values.forEach((x, i) => expect(x).toBeCloseTo(b.values[i], 5));
    } finally {
      disposeContext(c1);
    }
  });

  it('sample sd: n − 1 in the denominator, 0 for one sample', () => {
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(sampleSd([7])).toBe(0);
  });
});
