/** What metrics need from logits at END, kept per prompt instead of the [B, V] logits themselves. */
import * as tf from '@tensorflow/tfjs';
import type { Prompt, PromptSet } from '../tasks/types.js';

export interface LogitSummary {
  answerId: number;
  answer: number;
  distractors: number[];
  /** Logits of every answer, for prompts with several (answerIds). */
  answers?: number[];
  /** Logits of the candidate set (the task's, else answer + distractors), in candidateIds order. */
  candidates: number[];
  candidateIds: number[];
  argmax: number;
  logSumExp: number;
}

export function candidateIds(set: PromptSet, p: Prompt): number[] {
  return set.candidates ? set.candidates.ids : [p.answerId, ...p.distractorIds];
}

/**
 * logits [B, V] at each prompt's END → one summary per row (answers always the clean prompt's), reduced on the
 * backend so only B × (2 + ids) numbers come back, in one asynchronous read: argmax, logSumExp and the logits of
 * the ids the metrics read (answer, distractors, candidates).
 */
export async function readSummaries(logits: tf.Tensor, set: PromptSet, prompts: Prompt[]): Promise<LogitSummary[]> {
  const [B, V] = logits.shape;
  const ids = prompts.map((p) => [p.answerId, ...p.distractorIds, ...candidateIds(set, p), ...(p.answerIds ?? [])]);
  const n = Math.max(...ids.map((r) => r.length));
  const flat = new Int32Array(B * n);
  ids.forEach((r, b) => r.forEach((id, j) => { flat[b * n + j] = b * V + id; }));
  const packed = tf.tidy(() => {
    const picked = tf.reshape(tf.gather(tf.reshape(logits, [B * V]), tf.tensor1d(flat, 'int32')), [B, n]); // [B, n]
    const arg = tf.reshape(tf.cast(tf.argMax(logits, 1), 'float32'), [B, 1]); // [B, 1]; exact below 2^24
    return tf.concat([arg, tf.logSumExp(logits, 1, true), picked], 1); // [B, 2 + n]
  });
  let data: Float32Array;
  try {
    data = (await packed.data()) as Float32Array;
  } finally {
    packed.dispose();
  }
  const w = 2 + n;
  return prompts.map((p, b) => {
    const row = data.subarray(b * w, (b + 1) * w);
    const nd = p.distractorIds.length;
    const cand = candidateIds(set, p);
    const at = 3 + nd + cand.length;
    return {
      answerId: p.answerId, answer: row[2], distractors: Array.from(row.subarray(3, 3 + nd)),
      candidates: Array.from(row.subarray(3 + nd, at)), candidateIds: cand, argmax: row[0], logSumExp: row[1],
      ...(p.answerIds && { answers: Array.from(row.subarray(at, at + p.answerIds.length)) }),
    };
  });
}

/**
 * @deprecated use readSummaries. The same summaries read back synchronously (the whole [B, V]), for callers not
 * yet asynchronous (path patching): it stalls a GPU and fails on tfjs's webgpu backend in Node.
 */
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
      candidateIds: cand, argmax: arg, logSumExp: max + Math.log(sum), ...(p.answerIds && { answers: p.answerIds.map((a) => row[a]) }),
    });
  }
  return out;
}
