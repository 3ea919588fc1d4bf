import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/runtime/backend.js';
import { readSummaries, summarize, type LogitSummary } from '../../../src/runtime/experiments/logits.js';
import { isCorrect } from '../../../src/runtime/metrics/accuracy.js';
import { answerProb } from '../../../src/runtime/metrics/answer-prob.js';
import { logitDiff } from '../../../src/runtime/metrics/logit-diff.js';
import { patchingScore } from '../../../src/runtime/metrics/patching-score.js';
import type { PromptSet } from '../../../src/runtime/tasks/types.js';

beforeAll(() => initBackend('wasm'));

// Vocabulary of 6; candidates 1..4 (four "colours"); answer 2, distractors 3 and 4.
const set: PromptSet = {
  name: 't', kind: 'x', roleNames: ['END'], provenance: {}, candidates: { words: ['a', 'b', 'c', 'd'], ids: [1, 2, 3, 4] },
  prompts: [
    { id: 'p0', text: '', tokens: [0], answer: 'b', answerId: 2, distractors: ['c', 'd'], distractorIds: [3, 4], roles: { END: 0 } },
    { id: 'p1', text: '', tokens: [0], answer: 'b', answerId: 2, distractors: ['c', 'd'], distractorIds: [3, 4], roles: { END: 0 } },
  ],
};

function sums(rows: number[][]): LogitSummary[] {
  const t = tf.tensor2d(rows);
  const s = summarize(t, set, set.prompts);
  t.dispose();
  return s;
}

describe('metrics on hand-checkable logits', () => {
  it('logit difference against the distractor, the mean and the max of the other candidates', () => {
    const [s] = sums([[0, 1, 5, 2, 4, 0], [0, 0, 0, 0, 0, 0]]);
    expect(logitDiff(s)).toBe(3);
    expect(logitDiff(s, 'distractor')).toBe(3);
    expect(logitDiff(s, 'mean_others')).toBeCloseTo(5 - (1 + 2 + 4) / 3, 6);
    expect(logitDiff(s, 'max_others')).toBe(1);
  });

  it('accuracy over the vocabulary and over the candidates', () => {
    const [a, b] = sums([[9, 1, 5, 2, 4, 0], [0, 1, 5, 2, 4, 0]]);
    expect(isCorrect(a, 'vocab')).toBe(0); // token 0 wins the vocabulary
    expect(isCorrect(a, 'candidates')).toBe(1); // but not a candidate
    expect(isCorrect(b)).toBe(1);
  });

  it('answer probability is the softmax at the answer', () => {
    const [s] = sums([[0, 0, Math.log(2), 0, 0, 0], [0, 0, 0, 0, 0, 0]]);
    expect(answerProb(s)).toBeCloseTo(2 / 7, 6);
  });

  it('normalised patching score: 0 at clean, 1 at corrupted', () => {
    expect(patchingScore(3, 3, 1)).toBe(0);
    expect(patchingScore(1, 3, 1)).toBe(1);
    expect(patchingScore(2, 3, 1)).toBe(0.5);
    expect(() => patchingScore(1, 2, 2)).toThrow(/undefined/);
  });
});

describe('readSummaries (reduced on the backend, one small asynchronous read)', () => {
  it('agrees with the full read-back for any logits, with and without a candidate set', async () => {
    const noCand: PromptSet = { ...set, candidates: undefined };
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 6, maxLength: 6 }), { minLength: 2, maxLength: 2 }),
      fc.boolean(),
      async (rows, withCand) => {
        const s = withCand ? set : noCand;
        const t = tf.tensor2d(rows);
        const [want, got] = [summarize(t, s, s.prompts), await readSummaries(t, s, s.prompts)];
        t.dispose();
        got.forEach((g, i) => {
          const w = want[i];
          expect({ ...g, logSumExp: 0 }).toEqual({ ...w, logSumExp: 0 });
          expect(g.logSumExp).toBeCloseTo(w.logSumExp, 4);
        });
      },
    ), { numRuns: 50 });
  });
});
