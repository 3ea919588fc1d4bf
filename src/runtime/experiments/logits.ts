/** What metrics need from logits at END, kept per prompt instead of the [B, V] logits themselves. */
import type * as tf from '@tensorflow/tfjs';
import type { Prompt, PromptSet } from '../tasks/types.js';

export interface LogitSummary {
  answerId: number;
  answer: number;
  distractors: number[];
  /** Logits of the candidate set (the task's, else answer + distractors), in candidateIds order. */
  candidates: number[];
  candidateIds: number[];
  argmax: number;
  logSumExp: number;
}

export function candidateIds(set: PromptSet, p: Prompt): number[] {
  return set.candidates ? set.candidates.ids : [p.answerId, ...p.distractorIds];
}

/** logits [B, V] at each prompt's END → one summary per row (answers always the clean prompt's). */
export function summarize(logits: tf.Tensor, set: PromptSet, prompts: Prompt[]): LogitSummary[] {
  const [B, V] = logits.shape;
  const data = logits.dataSync();
  const out: LogitSummary[] = [];
  for (let b = 0; b < B; b++) {
    const row = data.subarray(b * V, (b + 1) * V);
    let arg = 0;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (row[v] > max) { max = row[v]; arg = v; }
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(row[v] - max);
    const p = prompts[b];
    const cand = candidateIds(set, p);
    out.push({
      answerId: p.answerId, answer: row[p.answerId], distractors: p.distractorIds.map((d) => row[d]), candidates: cand.map((c) => row[c]),
      candidateIds: cand, argmax: arg, logSumExp: max + Math.log(sum),
    });
  }
  return out;
}
