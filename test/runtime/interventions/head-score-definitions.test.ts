/**
 * The three head scores against their definitions, computed here independently from the API's attention cache:
 * the usual r‖r definitions as explicit loops, and a port of TransformerLens's head_detector.py detection
 * patterns (matrices built its way: eye below the diagonal; token-equality mask without its diagonal; that mask
 * rolled one column right) with its `mul` score, Σ A⊙D / Σ A.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { HEAD_SCORES, headScores, repeatedSequences, scoreTargets, type HeadScore } from '../../../src/runtime/interventions/index.js';
import { headScoreValues } from '../../../src/runtime/interventions/head-scores.js';
import { makeRng } from '../../../src/runtime/util/rng.js';
import { TINY } from '../experiments/helpers.js';

let model: HookedGPT2;
beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
});
afterAll(() => model.dispose());

/** TransformerLens's detection pattern for one sequence, as a T×T 0/1 matrix (its construction, not ours). */
function tlPattern(score: HeadScore, x: readonly number[]): number[][] {
  const T = x.length;
  const zeros = () => Array.from({ length: T }, () => new Array<number>(T).fill(0));
  const tril = (m: number[][]) => m.map((row, q) => row.map((v, k) => (k <= q ? v : 0)));
  if (score === 'previous_token') {
    const m = zeros();
    for (let i = 0; i < T - 1; i++) m[i + 1][i] = 1; // detection_pattern[1:, :-1] = eye(T − 1)
    return tril(m);
  }
  const dup = tril(x.map((a, q) => x.map((b, k) => (a === b && q !== k ? 1 : 0))));
  if (score === 'duplicate_token') return dup;
  // torch.roll(dup, 1, dims=1), then the first column replaced by zeros, then tril.
  return tril(dup.map((row) => row.map((_, k) => (k === 0 ? 0 : row[k - 1]))));
}

/** Attention patterns [layer][head][q][k] of one sequence, from the API's cache. */
async function patterns(seq: number[]): Promise<number[][][][]> {
  const { nLayers } = model.config;
  const names = Array.from({ length: nLayers }, (_, l) => `blocks.${l}.attn.hook_pattern`);
  const { logits, cache } = await model.runWithCache([seq], { names, logitsAt: 'none' });
  logits.dispose();
  try {
    return names.map((n) => {
      const { data, shape } = cache.array(n);
      const [, H, P, K] = shape;
      return Array.from({ length: H }, (_, h) => Array.from({ length: P }, (_, q) => Array.from({ length: K }, (_, k) => data[(h * P + q) * K + k])));
    });
  } finally {
    cache.dispose();
  }
}

/** r‖r with r of n distinct tokens (so every definition agrees on the targets). */
function distinctRepeated(n: number, count: number, seed: number): number[][] {
  const rng = makeRng(seed);
  const ids = Array.from({ length: 999 }, (_, i) => i);
  return Array.from({ length: count }, () => {
    const r = rng.sample(ids, n);
    return [...r, ...r];
  });
}

describe('head-score targets', () => {
  it('on r‖r (n = 10, distinct tokens): induction t = n … 2n − 1 → t − n + 1 (10 positions), duplicate t → t − n, previous t → t − 1', () => {
    const [s] = distinctRepeated(10, 1, 1);
    const n = 10;
    expect(scoreTargets('induction', s)).toEqual(Array.from({ length: n }, (_, j) => [n + j, [j + 1]]));
    expect(scoreTargets('duplicate_token', s)).toEqual(Array.from({ length: n }, (_, j) => [n + j, [j]]));
    expect(scoreTargets('previous_token', s)).toEqual(Array.from({ length: 2 * n - 1 }, (_, j) => [j + 1, [j]]));
  });

  it("are exactly TransformerLens's detection patterns (any tokens, repeats and BOS included)", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 24 }), fc.constantFrom(...HEAD_SCORES), (x, score) => {
      const m = x.map(() => new Array<number>(x.length).fill(0));
      for (const [q, keys] of scoreTargets(score, x)) for (const k of keys) m[q][k] += 1;
      expect(m).toEqual(tlPattern(score, x));
    }));
  });
});

describe('head scores against a direct computation on the tiny reference', () => {
  it('r‖r: each score is the mean over its positions of the attention at the usual key (explicit loop over the cache)', async () => {
    const n = 10;
    const seqs = distinctRepeated(n, 3, 2);
    const pats = await Promise.all(seqs.map(patterns));
    const key: Record<HeadScore, { qs: number[]; k: (t: number) => number }> = {
      previous_token: { qs: Array.from({ length: 2 * n - 1 }, (_, i) => i + 1), k: (t) => t - 1 },
      duplicate_token: { qs: Array.from({ length: n }, (_, i) => n + i), k: (t) => t - n },
      induction: { qs: Array.from({ length: n }, (_, i) => n + i), k: (t) => t - n + 1 },
    };
    for (const score of HEAD_SCORES) {
      const got = await headScores(model, score, { sequences: seqs, batchSize: 2 });
      if (got.type !== 'heads') throw new Error('not a table');
      const { qs, k } = key[score];
      for (let l = 0; l < 2; l++) {
        for (let h = 0; h < 4; h++) {
          let sum = 0;
          for (const p of pats) for (const t of qs) sum += p[l][h][t][k(t)];
          expect(got.values[l][h]).toBeCloseTo(sum / (qs.length * seqs.length), 6);
        }
      }
    }
  });

  it("random r‖r (repeats within r) and given sequences with BOS: ours × scored rows / T = TransformerLens's mul score, per sequence", async () => {
    const given = [[999, 5, 7, 5, 9, 7, 5, 11, 9], [999, 3, 3, 3, 8, 3, 8]];
    const cases: [string, number[][], Parameters<typeof headScoreValues>[2]][] = [
      ['random', repeatedSequences(1000, 8, 3, 4, [1, 2, 3, 4, 5]), { seqLen: 8, n: 3, seed: 4, pool: [1, 2, 3, 4, 5] }],
      ['given', given, { sequences: given }],
    ];
    for (const [what, seqs, opts] of cases) {
      for (const score of HEAD_SCORES) {
        const values = await headScoreValues(model, score, opts);
        let at = 0;
        for (const seq of seqs) {
          const rows = scoreTargets(score, seq).length;
          const pat = await patterns(seq);
          const D = tlPattern(score, seq);
          for (let l = 0; l < 2; l++) {
            for (let h = 0; h < 4; h++) {
              const A = pat[l][h];
              let num = 0, den = 0;
              for (let q = 0; q < seq.length; q++) for (let k = 0; k < seq.length; k++) (num += A[q][k] * D[q][k], den += A[q][k]);
              const ours = values[l * 4 + h].slice(at, at + rows).reduce((a, b) => a + b, 0);
              expect(ours / seq.length, `${what} ${score} ${l}.${h}`).toBeCloseTo(num / den, 5);
            }
          }
          at += rows;
        }
        expect(at).toBe(values[0].length);
      }
    }
  });

  it('a score with no target anywhere is an error, not NaN', async () => {
    await expect(headScores(model, 'duplicate_token', { sequences: [[1, 2, 3, 4]] })).rejects.toThrow(/no position of the 1 sequence\(s\) has a duplicate_token target/);
  });
});
