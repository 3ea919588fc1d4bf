/**
 * Tokens a model never trained on. A model trained on a narrow vocabulary (this project's organisms) leaves every
 * other token one shared embedding row, so they all get one logit: an answer among them measures nothing. Real
 * checkpoints have no two equal rows, so an answer whose row equals another token's is flagged. The rows come from
 * the loaded model or, in preflight, straight from the checkpoint file (a few hundred rows, not the weights).
 */
import type { PromptSet } from './types.js';

export type RowReader = (ids: number[]) => ArrayLike<number>[];

/** The spread-out sample of token ids answers are compared with. */
export function sampleIds(vocab: number, sampleSize = 256): number[] {
  const step = Math.max(1, Math.floor(vocab / sampleSize));
  return [...new Set(Array.from({ length: Math.min(sampleSize, vocab) }, (_, i) => (i * step + 7) % vocab))];
}

/** The answer and distractor ids of a task (what the check reads rows for). */
export function answerIds(set: PromptSet): number[] {
  return [...new Set(set.prompts.flatMap((p) => [p.answerId, ...p.distractorIds]))];
}

/** Token ids (of `ids`) whose embedding row equals the row of some other token of a spread-out sample. */
export function untrainedIds(ids: number[], vocab: number, rows: RowReader, sampleSize = 256): Set<number> {
  const wanted = [...new Set(ids)].filter((id) => Number.isInteger(id) && id >= 0 && id < vocab);
  if (!wanted.length) return new Set();
  const sample = sampleIds(vocab, sampleSize);
  const a = rows(wanted), b = rows(sample);
  const same = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
    return true;
  };
  return new Set(wanted.filter((id, i) => sample.some((sid, j) => sid !== id && same(a[i], b[j]))));
}

/** One warning per task naming the untrained answers and distractors (with a prompt that uses the first). */
export function untrainedWarnings(set: PromptSet, vocab: number, rows: RowReader): string[] {
  const words = new Map<number, { word: string; prompt: string }>();
  for (const p of set.prompts) {
    const where = `prompt ${p.id}${p.meta?.line !== undefined ? ` (line ${p.meta.line})` : ''}`;
    if (!words.has(p.answerId)) words.set(p.answerId, { word: p.answer, prompt: where });
    p.distractorIds.forEach((id, i) => words.has(id) || words.set(id, { word: p.distractors[i], prompt: where }));
  }
  const bad = [...untrainedIds([...words.keys()], vocab, rows)];
  if (!bad.length) return [];
  const shown = bad.slice(0, 5).map((id) => `${JSON.stringify(words.get(id)!.word)} (token ${id}, ${words.get(id)!.prompt})`);
  return [
    `task '${set.name}': ${bad.length} answer/distractor token(s) share their embedding with other tokens, so the model never trained on them and their logits are meaningless: ${shown.join(', ')}${bad.length > 5 ? ', …' : ''}`,
  ];
}
