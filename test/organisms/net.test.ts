// The training network and the runtime model are the same function: an exported (float32) organism loaded by
// loadModel gives the training network's logits, every untrained token carrying the shared row's logit.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/runtime/backend.js';
import { loadModel } from '../../src/runtime/model/index.js';
import { makeRng } from '../../src/runtime/util/rng.js';
import { writeOrganism } from '../../src/organisms/export.js';
import { hidden, initParams, residualReads, subLogits, type NetShape } from '../../src/organisms/net.js';
import { SubVocab } from '../../src/organisms/vocab.js';
import { learningRate } from '../../src/organisms/adamw.js';

const dir = mkdtempSync(join(tmpdir(), 'organism-'));
beforeAll(() => initBackend('wasm'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('organism training network', () => {
  it('matches loadModel on the exported checkpoint', async () => {
    const vocab = new SubVocab([11, 13, 262, 284, 290, 1757, 5335, 3350, 50256], 50257);
    const shape: NetShape = { nLayers: 2, nHeads: 2, dModel: 16, nCtx: 12, nSub: vocab.size };
    const params = initParams(shape, makeRng(3));
    // Scale weights up so the comparison is not dominated by near-zero activations.
    for (const b of params.blocks) for (const v of [b.attnW, b.fcW, b.outW, b.projW]) v.assign(tf.mul(v, 20));
    params.wte.assign(tf.mul(params.wte, 50));
    const ids = [[1757, 290, 5335, 11, 262, 1757, 13], [5335, 284, 3350, 999, 1757, 290, 11]]; // 999 is untrained
    await writeOrganism(join(dir, 'o'), params, shape, vocab, { test: true }, 'F32');
    const model = await loadModel(join(dir, 'o'), { backend: 'wasm' });
    const { logits } = await model.runWithHooks(ids, { logitsAt: 'all' }); // [2, 7, V]
    const full = (await logits.array()) as number[][][];
    const P = 7;
    const x = Int32Array.from(ids.flat(), (t) => vocab.compact(t, false));
    const sub = tf.tidy(() => subLogits(params, hidden(params, shape, { x, n: 2, P })).arraySync());
    for (let r = 0; r < 2 * P; r++) {
      const row = full[Math.floor(r / P)][r % P];
      vocab.ids.forEach((g, i) => expect(row[g]).toBeCloseTo(sub[r][i], 3));
      const shared = sub[r][vocab.size]; // the shared row's logit
      expect(row[999]).toBeCloseTo(shared, 3);
      expect(row[40000]).toBeCloseTo(shared, 3);
      expect(row[40000]).toBe(row[999]);
    }
    logits.dispose();
    model.dispose();
  });

  it('reads attention and early residuals as the runtime hooks see them', async () => {
    const vocab = new SubVocab([11, 13, 262, 284, 290, 1757, 5335, 3350, 50256], 50257);
    const shape: NetShape = { nLayers: 2, nHeads: 2, dModel: 16, nCtx: 12, nSub: vocab.size };
    const params = initParams(shape, makeRng(5));
    for (const b of params.blocks) b.attnW.assign(tf.mul(b.attnW, 30)); // sharp, position-dependent patterns
    params.wte.assign(tf.mul(params.wte, 50));
    const ids = [[1757, 290, 5335, 11, 262, 1757, 13], [5335, 284, 3350, 999, 1757, 290, 11]];
    await writeOrganism(join(dir, 'a'), params, shape, vocab, { test: true }, 'F32');
    const model = await loadModel(join(dir, 'a'), { backend: 'wasm' });
    const { logits, cache } = await model.runWithCache(ids, { names: ['blocks.1.attn.hook_pattern', 'blocks.0.hook_resid_post'], logitsAt: 'last' });
    const pattern = cache.get('blocks.1.attn.hook_pattern').arraySync() as number[][][][]; // [B, H, P, P]
    const resid = cache.get('blocks.0.hook_resid_post').arraySync() as number[][][]; // [B, P, D]
    const P = 7;
    const x = Int32Array.from(ids.flat(), (t) => vocab.compact(t, false));
    // Head 1.1 from (prompt 0, position 5) to key 0 and from (prompt 1, position 6) to key 4.
    const attnReads = [{ layer: 1, head: 1, rows: Int32Array.from([5, P + 6]), keys: Int32Array.from([0, 4]) }];
    const { resid: [early], attn: [probs] } = residualReads(params, shape, { x, n: 2, P }, [{ after: 1, rows: Int32Array.from([P + 3]) }], attnReads);
    const got = probs.arraySync();
    expect(got[0]).toBeCloseTo(pattern[0][1][5][0], 5);
    expect(got[1]).toBeCloseTo(pattern[1][1][6][4], 5);
    // The early read is ln_f of the residual after block 0.
    const r = resid[1][3];
    const mean = r.reduce((a, v) => a + v, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length + 1e-5);
    const want = r.map((v) => (v - mean) / sd); // ln_f is identity-initialised
    (early.arraySync() as number[][])[0].forEach((v, d) => expect(v).toBeCloseTo(want[d], 3));
    logits.dispose();
    cache.dispose();
    model.dispose();
  });

  it('warms up linearly then decays by cosine to the floor', () => {
    const c = { lr: 1, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, clip: 1, warmup: 10, steps: 110, minLrFrac: 0.1 };
    expect(learningRate(c, 5)).toBeCloseTo(0.5);
    expect(learningRate(c, 10)).toBeCloseTo(1);
    expect(learningRate(c, 60)).toBeCloseTo(0.55);
    expect(learningRate(c, 110)).toBeCloseTo(0.1);
  });
});
