import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadModel, hookShape, parseHookName, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { CircuitspecError } from '../../../src/errors.js';
import { relErr, data, tokens } from './helpers.js';

describe('hooks', () => {
  let model: HookedGPT2;
  const ids = tokens(3, 7, 50257, 5);
  beforeAll(async () => {
    model = await loadModel('random:tiny', { backend: 'wasm', seed: 3 });
  });

  it('every hook name exists with its TransformerLens shape', async () => {
    const { config: c } = model;
    const names = model.hookNames();
    expect(names.length).toBe(2 + 18 * c.nLayers + 2);
    const { logits, cache } = await model.runWithCache(ids, { names: () => true });
    for (const n of names) {
      expect(cache.has(n), n).toBe(true);
      expect(cache.array(n).shape, n).toEqual(hookShape(parseHookName(n, c), c, 3, 7));
    }
    expect(cache.array('blocks.0.attn.hook_pattern').shape).toEqual([3, 4, 7, 7]);
    expect(cache.array('blocks.1.attn.hook_result').shape).toEqual([3, 7, 4, 32]);
    // hook_result sums (plus b_O) to attn_out
    const res = cache.get('blocks.1.attn.hook_result');
    const sum = tf.tidy(() => tf.add(tf.sum(res, 2), model.weights.blocks[1].cProjB));
    expect(relErr(data(sum), cache.array('blocks.1.hook_attn_out').data)).toBeLessThan(1e-5);
    sum.dispose();
    logits.dispose();
    cache.dispose();
  });

  it('caches only the names asked for; hook_result is not computed by default', async () => {
    const { logits, cache } = await model.runWithCache(ids, { names: ['blocks.0.hook_resid_post'], logitsAt: 'none' });
    expect(cache.names()).toEqual(['blocks.0.hook_resid_post']);
    logits.dispose();
    cache.dispose();
    const all = await model.runWithCache(ids, { logitsAt: 'none' });
    expect(all.cache.has('blocks.0.attn.hook_result')).toBe(false);
    expect(all.cache.has('blocks.0.attn.hook_pattern')).toBe(true);
    all.logits.dispose();
    all.cache.dispose();
  });

  it('rejects bad hooks before any compute, naming the problem', async () => {
    const bad = async (hooks: any[], re: RegExp) => {
      const err = await model.runWithHooks(ids, { hooks }).catch((e) => e);
      expect(err).toBeInstanceOf(CircuitspecError);
      expect(String(err.message)).toMatch(re);
    };
    await bad([{ name: 'blocks.0.attn.hook_patern', fn: () => {} }], /unknown hook name.*blocks\.0\.attn\.hook_pattern/);
    await bad([{ name: 'blocks.7.hook_resid_pre', fn: () => {} }], /layer 7 is out of range/);
    await bad([{ name: 'blocks.0.attn.hook_z', value: tf.zeros([3, 7, 4, 8]), heads: [4] }], /head 4 is out of range/);
    await bad([{ name: 'blocks.0.hook_resid_pre', value: tf.zeros([3, 7, 32]), heads: [0] }], /no head axis/);
    await bad([{ name: 'blocks.0.hook_resid_pre', value: tf.zeros([3, 6, 32]) }], /replacement has shape \[3, 6, 32\], expected \[3, 7, 32\]/);
    await bad([{ name: 'blocks.0.hook_resid_pre', value: new Float32Array(5) }], /5 values/);
    await bad([{ name: 'blocks.0.hook_resid_pre', value: tf.zeros([3, 7, 32]), positions: [7] }], /position 7 is out of range/);
    await bad([{ name: 'blocks.0.hook_resid_pre', value: tf.zeros([3, 7, 32]), positions: [[1], [2]] }], /2 rows for a batch of 3/);
    await expect(model.runWithCache(ids, { names: ['hook_nope'] })).rejects.toThrow(/unknown hook name/);
    await expect(model.runWithHooks([[1, 50257]])).rejects.toThrow(/token id 50257/);
    await expect(model.runWithHooks([new Array(65).fill(1)])).rejects.toThrow(/more than the model's context of 64/);
  });

  it('patching a head with its own value changes nothing; other values change only that head', async () => {
    const { logits: clean, cache } = await model.runWithCache(ids, { names: ['blocks.0.attn.hook_z'] });
    const z = cache.get('blocks.0.attn.hook_z');
    const same = await model.runWithHooks(ids, { hooks: [{ name: 'blocks.0.attn.hook_z', value: z, heads: [1], positions: [2, 3] }] });
    expect(relErr(data(same.logits), data(clean))).toBeLessThan(1e-6);
    // zeroing head 1 at position 3 of row 2 only: rows 0, 1 unchanged, row 2 changes from position 3 on
    const zero = tf.zerosLike(z);
    const { logits: patched, cache: pc } = await model.runWithCache(ids, {
      names: ['blocks.0.attn.hook_z'],
      hooks: [{ name: 'blocks.0.attn.hook_z', value: zero, heads: [1], positions: [[], [], [3]] }],
    });
    const pz = pc.array('blocks.0.attn.hook_z').data;
    const cz = cache.array('blocks.0.attn.hook_z').data;
    const at = (b: number, p: number, h: number, i: number) => ((b * 7 + p) * 4 + h) * 8 + i;
    expect(pz[at(2, 3, 1, 0)]).toBe(0);
    expect(pz[at(2, 3, 0, 0)]).toBe(cz[at(2, 3, 0, 0)]);
    expect(pz[at(1, 3, 1, 0)]).toBe(cz[at(1, 3, 1, 0)]);
    const [c3, p3] = [clean.arraySync() as number[][][], patched.arraySync() as number[][][]];
    expect(relErr(p3[0].flat(), c3[0].flat())).toBe(0);
    expect(relErr(p3[2][2], c3[2][2])).toBe(0);
    expect(relErr(p3[2][3], c3[2][3])).toBeGreaterThan(1e-6);
    for (const t of [clean, same.logits, patched, zero]) t.dispose();
    cache.dispose();
    pc.dispose();
  });

  it('editing hook_pattern changes what the head outputs', async () => {
    const { logits: clean, cache } = await model.runWithCache(ids, { names: ['blocks.1.attn.hook_z'] });
    // every query attends only to position 0
    const uniform = (x: tf.Tensor) => tf.tidy(() => {
      const [B, H, P, K] = x.shape;
      const m = tf.oneHot(tf.zeros([B * H * P], 'int32'), K).reshape([B, H, P, K]);
      return m;
    });
    const { logits, cache: ec } = await model.runWithCache(ids, { names: ['blocks.1.attn.hook_z'], hooks: [{ name: 'blocks.1.attn.hook_pattern', fn: uniform }] });
    const z = ec.array('blocks.1.attn.hook_z');
    const cz = cache.array('blocks.1.attn.hook_z');
    expect(relErr(z.data, cz.data)).toBeGreaterThan(1e-3);
    // position 0 attends only to itself in both runs: unchanged there
    for (let i = 0; i < 32; i++) expect(z.data[i]).toBeCloseTo(cz.data[i], 5);
    expect(relErr(data(logits), data(clean))).toBeGreaterThan(1e-4);
    for (const t of [clean, logits]) t.dispose();
    cache.dispose();
    ec.dispose();
  });

  it('a hooked hook_result feeds attn_out (sum of replaced heads + b_O)', async () => {
    const { logits: clean, cache } = await model.runWithCache(ids, { names: ['blocks.0.attn.hook_result', 'blocks.0.attn.hook_z'] });
    const res = cache.get('blocks.0.attn.hook_result');
    const same = await model.runWithHooks(ids, { hooks: [{ name: 'blocks.0.attn.hook_result', value: res, heads: [2] }] });
    expect(relErr(data(same.logits), data(clean))).toBeLessThan(1e-5);
    // zeroing head 2's result equals zeroing head 2's z
    const viaResult = await model.runWithHooks(ids, { hooks: [{ name: 'blocks.0.attn.hook_result', value: new Float32Array(3 * 7 * 4 * 32), heads: [2] }] });
    const viaZ = await model.runWithHooks(ids, { hooks: [{ name: 'blocks.0.attn.hook_z', value: new Float32Array(3 * 7 * 4 * 8), heads: [2] }] });
    expect(relErr(data(viaResult.logits), data(viaZ.logits))).toBeLessThan(1e-5);
    expect(relErr(data(viaResult.logits), data(clean))).toBeGreaterThan(1e-5);
    for (const t of [clean, same.logits, viaResult.logits, viaZ.logits]) t.dispose();
    cache.dispose();
  });

  it('API misuse is a CircuitspecError, not a TypeError: hooks not an array, non-tensor or disposed results', async () => {
    const misuse = async (opts: any, re: RegExp) => {
      const err = await model.runWithHooks(ids, opts).catch((e) => e);
      expect(err).toBeInstanceOf(CircuitspecError);
      expect(String(err.message)).toMatch(re);
    };
    await misuse({ hooks: { name: 'hook_embed', fn: () => {} } }, /^hooks must be an array of \{name, value\} or \{name, fn\} \(got an object \(Object\)\)$/);
    await misuse({ hooks: [{ name: 'hook_embed', fn: () => 3 }] }, /^hook 'hook_embed': callback returned number 3; return a tf\.Tensor of shape \[3, 7, 32\], or nothing/);
    await misuse({ hooks: [{ name: 'hook_embed', fn: (x: tf.Tensor) => x.arraySync() }] }, /callback returned an array/);
    await misuse({ hooks: [{ name: 'hook_embed', fn: async (x: tf.Tensor) => x }] }, /callback returned a Promise \(callbacks must be synchronous\)/);
    await misuse({ hooks: [{ name: 'hook_embed', fn: (x: tf.Tensor) => { const y = tf.mul(x, 1); y.dispose(); return y; } }] }, /callback returned a disposed tensor/);
    await misuse({ hooks: [{ name: 'blocks.0.attn.hook_z', value: tf.zeros([3, 7, 4, 8]), heads: 2 }] }, /heads must be an array of head indices \(got number 2\)/);
    const gone = tf.zeros([3, 7, 32]);
    gone.dispose();
    await misuse({ hooks: [{ name: 'blocks.0.hook_resid_pre', value: gone }] }, /its value tensor was already disposed/);
  });

  it('callback hooks read and rewrite; a wrong-shaped return is an error', async () => {
    const seen: string[] = [];
    const { logits } = await model.runWithHooks(ids, {
      hooks: [{ name: 'blocks.1.hook_resid_pre', fn: (x, ctx) => { seen.push(`${ctx.name}@${ctx.layer}`); return tf.mul(x, 0); } }],
    });
    expect(seen).toEqual(['blocks.1.hook_resid_pre@1']);
    logits.dispose();
    await expect(model.runWithHooks(ids, { hooks: [{ name: 'hook_embed', fn: (x) => tf.sum(x, 0) }] })).rejects.toThrow(CircuitspecError);
  });

  it('a partial rerun from startPos equals the full run at those positions', async () => {
    const { logits: full, cache } = await model.runWithCache(ids, { names: (n) => /hook_[kv]$/.test(n), logitsAt: 'all' });
    const hook = { name: 'blocks.0.hook_resid_pre', value: tf.zeros([3, 7, 32]), positions: [5] };
    const fullPatched = await model.runWithHooks(ids, { hooks: [hook], logitsAt: [[5, 6], [5, 6], [5, 6]] });
    const part = await model.runWithHooks(ids, { hooks: [hook], startPos: 5, past: cache, logitsAt: [[5, 6], [5, 6], [5, 6]] });
    expect(part.logits.shape).toEqual([3, 2, 50257]);
    expect(relErr(data(part.logits), data(fullPatched.logits))).toBeLessThan(1e-5);
    const last = await model.runWithHooks(ids, { startPos: 6, past: cache, logitsAt: 'last' });
    const fullLast = (full.arraySync() as number[][][]).map((r) => r[6]);
    expect(relErr(data(last.logits), fullLast.flat())).toBeLessThan(1e-5);
    await expect(model.runWithHooks(ids, { startPos: 5 })).rejects.toThrow(/needs `past`/);
    await expect(model.runWithHooks(ids, { startPos: 5, past: cache, hooks: [{ ...hook, positions: [2] }] })).rejects.toThrow(/before startPos/);
    for (const t of [full, fullPatched.logits, part.logits, last.logits, hook.value]) t.dispose();
    cache.dispose();
  });
});
