/**
 * Accuracy and logit difference of an organism, both on the training network (compact vocabulary, untrained
 * tokens at logit 0) and on the exported checkpoint loaded by loadModel (argmax over all 50257 tokens): the
 * latter is what the training record reports as final.
 */
import * as tf from '@tensorflow/tfjs';
import type { HookedGPT2 } from '../runtime/model/index.js';
import type { Prompt } from '../runtime/tasks/types.js';
import { hidden, subLogits, type NetParams, type NetShape } from './net.js';
import type { Batch } from './data.js';

export interface Score {
  accuracy: number;
  /** Mean of answer logit − mean distractor logit. */
  logitDiff: number;
  n: number;
}

function score(logits: number[][], answer: ArrayLike<number>, distractors: number[][]): Score {
  let hit = 0;
  let ld = 0;
  logits.forEach((row, i) => {
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    if (best === answer[i]) hit++;
    const d = distractors[i];
    ld += row[answer[i]] - d.reduce((s, k) => s + row[k], 0) / d.length;
  });
  return { accuracy: hit / logits.length, logitDiff: ld / logits.length, n: logits.length };
}

/** On the training network: argmax over the trained rows and the one logit every untrained token shares. */
export function scoreNet(p: NetParams, s: NetShape, b: Batch, chunk = 256): Score {
  const rows: number[][] = [];
  for (let i = 0; i < b.n; i += chunk) {
    const k = Math.min(chunk, b.n - i);
    const part = { x: b.x.subarray(i * b.P, (i + k) * b.P), n: k, P: b.P };
    const sel = Int32Array.from(b.end.subarray(i, i + k), (e) => e - i * b.P);
    const lg = tf.tidy(() => subLogits(p, hidden(p, s, part, sel)).arraySync() as number[][]);
    rows.push(...lg);
  }
  return score(rows, b.answer, b.distractors);
}

/** On a loaded checkpoint: argmax over the full vocabulary at each prompt's last token. */
export async function scoreModel(model: HookedGPT2, prompts: Prompt[], chunk = 128): Promise<Score> {
  let hit = 0;
  let ld = 0;
  for (let i = 0; i < prompts.length; i += chunk) {
    const part = prompts.slice(i, i + chunk);
    const { logits } = await model.runWithHooks(part.map((p) => p.tokens), { logitsAt: 'last' }); // [k, V]
    const V = logits.shape[1]!;
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    part.forEach((p, j) => {
      const row = data.subarray(j * V, (j + 1) * V);
      let best = 0;
      for (let t = 1; t < V; t++) if (row[t] > row[best]) best = t;
      if (best === p.answerId) hit++;
      ld += row[p.answerId] - p.distractorIds.reduce((s, k) => s + row[k], 0) / p.distractorIds.length;
    });
  }
  return { accuracy: hit / prompts.length, logitDiff: ld / prompts.length, n: prompts.length };
}
