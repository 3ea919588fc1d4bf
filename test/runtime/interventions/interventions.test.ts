import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2, type Hook } from '../../../src/runtime/model/index.js';
import { computeMetric, createContext, disposeContext } from '../../../src/runtime/experiments/index.js';
import type { ExperimentContext, MetricValue } from '../../../src/runtime/experiments/types.js';
import { overrideHooks } from '../../../src/runtime/interventions/index.js';
import { makeBatches, type Batch } from '../../../src/runtime/experiments/batches.js';
import { syntheticTask, TINY } from '../experiments/helpers.js';

let model: HookedGPT2;
let ctx: ExperimentContext;
const task = syntheticTask('syn', 6, [12, 10, 11]);
const same = syntheticTask('same', 4, 12, 1000, 2);
for (const p of same.prompts) p.corrupted!.tokens = p.tokens.slice();

beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
  ctx = createContext(model, [task, same], { batchSize: 4 });
});
afterAll(() => {
  disposeContext(ctx);
  model.dispose();
});

const per = (v: MetricValue): number[] => (v.type === 'scalar' ? v.perPrompt! : []);
const close = (a: number[], b: number[], tol = 1e-4): void => {
  expect(a).toHaveLength(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThan(tol));
};

/** Logit difference per prompt of one batch run by hand with hooks (full, no partial rerun). */
async function manualLd(b: Batch, hooks: Hook[], set = task): Promise<number[]> {
  void set;
  const { logits } = await model.runWithHooks(b.clean, { hooks, logitsAt: 'last' });
  const d = logits.dataSync();
  const out = b.prompts.map((p, r) => d[r * 1000 + p.answerId] - d[r * 1000 + p.distractorIds[0]]);
  logits.dispose();
  return out;
}

describe('activation patching', () => {
  it('patching a head with its own clean value changes nothing', async () => {
    const clean = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'same' }));
    const patched = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'same', with: [{ type: 'patch', hook: 'blocks.1.attn.hook_z', heads: [2], from: 'corrupted' }] }));
    close(patched, clean, 1e-6);
  });

  it('patching everything from the corrupted run reproduces the corrupted logits', async () => {
    const ctxC = createContext(model, [Object.assign(structuredClone(task), { name: 'swap', prompts: task.prompts.map((p) => ({ ...p, tokens: p.corrupted!.tokens })) })], { batchSize: 4 });
    const corrupted = per(await computeMetric(ctxC, { kind: 'logit_diff', task: 'swap' }));
    disposeContext(ctxC);
    const patched = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [{ type: 'patch', hook: 'blocks.0.hook_resid_pre', from: 'corrupted' }] }));
    close(patched, corrupted);
    const score = await computeMetric(ctx, { kind: 'patching_score', task: 'syn', with: [{ type: 'patch', hook: 'blocks.0.hook_resid_pre', from: 'corrupted' }] });
    expect(score.type === 'scalar' && score.value).toBeCloseTo(1, 4);
    const reverse = await computeMetric(ctx, { kind: 'patching_score', task: 'syn', with: [{ type: 'patch', hook: 'blocks.1.hook_resid_post', from: 'clean' }] });
    expect(reverse.type === 'scalar' && reverse.value).toBeCloseTo(0, 4);
  });

  it('a patch at END reruns from END only and matches a full rerun, per prompt of different lengths', async () => {
    for (const roles of [['END'], ['A', 'END']]) {
      const ivs = [{ type: 'patch' as const, hook: 'blocks.1.attn.hook_z', heads: [1, 3], positions: roles, from: 'corrupted' as const }];
      const partial = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: ivs }));
      const full: number[] = [];
      for (const b of makeBatches(task, 4)) {
        const corr = await model.runWithCache(b.corrupted!, { names: ['blocks.1.attn.hook_z'], logitsAt: 'none' });
        const positions = b.prompts.map((p) => roles.map((r) => p.roles[r]));
        const ld = await manualLd(b, [{ name: 'blocks.1.attn.hook_z', value: corr.cache.get('blocks.1.attn.hook_z'), heads: [1, 3], positions }]);
        full.push(...ld);
        corr.logits.dispose();
        corr.cache.dispose();
      }
      close(partial, full, 1e-5);
    }
  });
});

describe('ablation', () => {
  it('zero ablation equals zeroing the head by hand', async () => {
    const got = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [{ type: 'ablate', hook: 'blocks.0.attn.hook_z', heads: [2], method: 'zero' }] }));
    const want: number[] = [];
    for (const b of makeBatches(task, 4)) {
      want.push(...(await manualLd(b, [{ name: 'blocks.0.attn.hook_z', fn: (x: tf.Tensor) => tf.mul(x, tf.tensor([1, 1, 0, 1], [1, 1, 4, 1])) }])));
    }
    close(got, want, 1e-5);
  });

  it('mean ablation writes the task mean (per position for prompts of one length)', async () => {
    const got = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'same', with: [{ type: 'ablate', hook: 'blocks.0.hook_attn_out', positions: ['B2'], method: 'mean' }] }));
    const b = makeBatches(same, 4)[0];
    const { logits, cache } = await model.runWithCache(b.clean, { names: ['blocks.0.hook_attn_out'] });
    logits.dispose();
    const meanAct = tf.mean(cache.get('blocks.0.hook_attn_out'), 0, true);
    const pos = same.prompts[0].roles.B2;
    const want = await manualLd(b, [{ name: 'blocks.0.hook_attn_out', value: meanAct, positions: [pos] }], same);
    cache.dispose();
    meanAct.dispose();
    close(got, want, 1e-5);
  });

  it('resample ablation is seeded and moves the output', async () => {
    const iv = (seed: number) => [{ type: 'ablate' as const, hook: 'blocks.0.hook_resid_post', method: 'resample' as const, seed }];
    const a = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: iv(1) }));
    const b = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: iv(1) }));
    const clean = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn' }));
    expect(a).toEqual(b);
    expect(a.some((x, i) => Math.abs(x - clean[i]) > 1e-3)).toBe(true);
  });
});

describe('attention override', () => {
  it("sets the head's pattern row at the query role to the given distribution and the head's output follows", async () => {
    const b = makeBatches(task, 4)[0];
    const query = b.prompts.map((p) => [p.roles.END]);
    const keys = [{ pos: b.prompts.map((p) => p.roles.A), weight: 0.25 }, { pos: b.prompts.map((p) => p.roles.B), weight: 0.75 }];
    const hooks = overrideHooks('syn', b, [{ layer: 1, head: 2 }], query, keys, 0);
    const { logits, cache } = await model.runWithCache(b.clean, { hooks, names: ['blocks.1.attn.hook_pattern', 'blocks.1.attn.hook_z', 'blocks.1.attn.hook_v'] });
    logits.dispose();
    const pat = cache.array('blocks.1.attn.hook_pattern'); // [B, H, P, K]
    const z = cache.array('blocks.1.attn.hook_z'); // [B, P, H, dh]
    const v = cache.array('blocks.1.attn.hook_v');
    const [, H, P, K] = pat.shape;
    const dh = z.shape[3];
    b.prompts.forEach((p, r) => {
      const row = Array.from(pat.data.subarray(((r * H + 2) * P + p.roles.END) * K, ((r * H + 2) * P + p.roles.END + 1) * K));
      const want = new Array(K).fill(0);
      want[p.roles.A] = 0.25;
      want[p.roles.B] = 0.75;
      expect(row).toEqual(want);
      for (let i = 0; i < dh; i++) {
        const at = (a: { data: Float32Array }, pos: number): number => a.data[((r * P + pos) * H + 2) * dh + i];
        expect(at(z, p.roles.END)).toBeCloseTo(0.25 * at(v, p.roles.A) + 0.75 * at(v, p.roles.B), 5);
      }
    });
    cache.dispose();
    const ivs = [{ type: 'attention_override' as const, heads: [{ layer: 1, head: 2 }, { layer: 0, head: 1 }], query: 'END', keys: { A: 0.5, B: 0.5 } }];
    const changed = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: ivs }));
    const clean = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'syn' }));
    expect(changed.some((x, i) => Math.abs(x - clean[i]) > 1e-4)).toBe(true);
    await expect(computeMetric(ctx, { kind: 'logit_diff', task: 'syn', with: [{ ...ivs[0], keys: { A: 0.5 } }] })).rejects.toThrow(/must sum to 1/);
  });
});

describe('patching sweeps', () => {
  it('score every head, and every layer × role, by the normalised patching score', async () => {
    const { sweepHeads, sweepLayersPositions } = await import('../../../src/runtime/interventions/index.js');
    const heads = await sweepHeads(ctx, 'syn', { positions: ['END', 'B2'] });
    expect(heads).toHaveLength(2);
    for (const row of heads) expect(row.every(Number.isFinite)).toBe(true);
    const lp = await sweepLayersPositions(ctx, 'syn', { roles: ['B2', 'END'] });
    expect(lp.roles).toEqual(['B2', 'END']);
    // Patching the whole residual stream at B2 before layer 0 is the corruption itself at that position: score 1.
    expect(lp.values[0][0]).toBeCloseTo(1, 4);
    expect(lp.values[0][1]).toBeCloseTo(0, 4);
  });
});
