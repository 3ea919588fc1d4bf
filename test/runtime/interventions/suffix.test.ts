// suffix.ts's reruns against each other and against the whole forward: the shared clean past, ragged rows padded
// within a group, and the last block run at END only (suffixRerunEnds).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { sharedPast, suffixGeometry, suffixRerun, suffixRerunEnds } from '../../../src/runtime/interventions/path-patching/suffix.js';
import { TINY } from '../experiments/helpers.js';

let model: HookedGPT2;
beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
});
afterAll(() => model.dispose());

const NO_HOOKS = { wants: () => false, apply: (_n: string, _l: number | null, x: tf.Tensor) => x };

describe('suffix reruns', () => {
  it('equal the whole forward at END, with a shared past, ragged rows and the last block at END only', async () => {
    const c = model.config;
    const ids = [[5, 9, 31, 7, 2, 44, 8, 19], [3, 3, 17, 60, 12, 9, 0, 0]]; // row 1 is 6 tokens, right-padded
    const len = [8, 6];
    const start = [5, 2]; // suffixes of 3 and 4 tokens: row 0 is padded by one in the rerun
    const before = tf.memory().numTensors;
    const { cache, logits } = await model.runWithCache(ids.map((r, b) => r.slice(0, len[b])), { names: (n) => /hook_(k|v|resid_pre|resid_post)$/.test(n) });
    const g = suffixGeometry(start, len);
    const past = sharedPast(g, (l) => ({ k: cache.get(`blocks.${l}.attn.hook_k`), v: cache.get(`blocks.${l}.attn.hook_v`) }), [0, 1]);
    const n = 3; // three identical "senders": rows are sender-major
    const x = tf.tidy(() => {
      const pre = cache.get('blocks.0.hook_resid_pre') as tf.Tensor3D; // [B, K, D]
      const rows = [0, 1].map((b) => tf.stack(Array.from({ length: g.P }, (_, i) => tf.slice(pre, [b, Math.min(start[b] + i, len[b] - 1), 0], [1, 1, c.dModel]).reshape([c.dModel]))));
      return tf.tile(tf.stack(rows), [n, 1, 1]) as tf.Tensor3D; // [n·B, P, D]
    });
    const ends = len.map((l, b) => l - 1 - start[b]);
    const whole = tf.tidy(() => {
      const r = suffixRerun(model.weights, c, x, 0, n, 2, past, NO_HOOKS);
      return tf.gather(tf.reshape(r, [n * 2 * g.P, c.dModel]), Array.from({ length: n * 2 }, (_, i) => i * g.P + ends[i % 2]));
    });
    const endsOnly = suffixRerunEnds(model.weights, c, x, 0, n, 2, past, NO_HOOKS, ends);
    const final = tf.tidy(() => tf.stack([0, 1].map((b) => tf.slice(cache.get('blocks.1.hook_resid_post'), [b, len[b] - 1, 0], [1, 1, c.dModel]).reshape([c.dModel]))));
    const [a, e, f] = [await whole.data(), await endsOnly.data(), await final.data()];
    expect(Math.max(...a.map((v, i) => Math.abs(v - e[i])))).toBeLessThan(1e-5);
    // …and both equal the whole forward's final residual at END.
    for (let r = 0; r < n * 2; r++) for (let d = 0; d < c.dModel; d++) expect(Math.abs(e[r * c.dModel + d] - f[(r % 2) * c.dModel + d])).toBeLessThan(1e-4);
    for (const t of [whole, endsOnly, final, x]) t.dispose();
    past?.dispose();
    cache.dispose();
    logits?.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
