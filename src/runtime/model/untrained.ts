/**
 * Tokens a model never trained on. A model trained on a narrow vocabulary (this project's organisms) leaves every
 * other token one shared embedding row, so they all get one logit: an answer among them measures nothing. Real
 * checkpoints have no two equal rows, so an answer whose row equals another token's is flagged.
 */
import * as tf from '@tensorflow/tfjs';
import type { PromptSet } from '../tasks/types.js';
import type { GPT2Weights } from './weights.js';

/** Token ids (of `ids`) whose embedding row equals the row of some other, spread-out sample token. */
export function untrainedIds(weights: GPT2Weights, ids: number[], sampleSize = 256): Set<number> {
  const vocab = weights.wte.shape[0];
  const wanted = [...new Set(ids)].filter((id) => Number.isInteger(id) && id >= 0 && id < vocab);
  if (!wanted.length) return new Set();
  const step = Math.max(1, Math.floor(vocab / sampleSize));
  const sample = Array.from({ length: Math.min(sampleSize, vocab) }, (_, i) => (i * step + 7) % vocab);
  const [a, b] = tf.tidy(() => {
    const wte = weights.wte;
    return [tf.gather(wte, tf.tensor1d(wanted, 'int32')).arraySync() as number[][], tf.gather(wte, tf.tensor1d(sample, 'int32')).arraySync() as number[][]];
  });
  const out = new Set<number>();
  wanted.forEach((id, i) => {
    const row = a[i];
    if (sample.some((sid, j) => sid !== id && b[j].every((v, k) => v === row[k]))) out.add(id);
  });
  return out;
}

/** One warning per task naming the untrained answers and distractors (with a prompt that uses the first). */
export function untrainedWarnings(set: PromptSet, weights: GPT2Weights): string[] {
  const words = new Map<number, { word: string; prompt: string }>();
  for (const p of set.prompts) {
    const where = `prompt ${p.id}${p.meta?.line !== undefined ? ` (line ${p.meta.line})` : ''}`;
    if (!words.has(p.answerId)) words.set(p.answerId, { word: p.answer, prompt: where });
    p.distractorIds.forEach((id, i) => words.has(id) || words.set(id, { word: p.distractors[i], prompt: where }));
  }
  const bad = untrainedIds(weights, [...words.keys()]);
  if (!bad.size) return [];
  const shown = [...bad].slice(0, 5).map((id) => `${JSON.stringify(words.get(id)!.word)} (token ${id}, ${words.get(id)!.prompt})`);
  return [
    `task '${set.name}': ${bad.size} answer/distractor token(s) share their embedding with other tokens, so the model never trained on them and their logits are meaningless: ${shown.join(', ')}${bad.size > 5 ? ', …' : ''}`,
  ];
}
