/** Accuracy: the argmax over the full vocabulary (or over the task's candidate set) is the answer. */
import type { LogitSummary } from '../experiments/logits.js';

/**
 * vocab: argmax over the whole vocabulary (Merullo et al.'s accuracy); candidates: over the task's candidate set
 * (Colored Objects: the 8 colours); distractors: the answer beats each of its prompt's distractors (Colored
 * Objects: the three colours in the prompt; IOI: IO over S).
 */
export type AccuracyOver = 'vocab' | 'candidates' | 'distractors';

export function isCorrect(s: LogitSummary, over: AccuracyOver = 'vocab'): number {
  if (over === 'vocab') return s.argmax === s.answerId ? 1 : 0;
  if (over === 'distractors') return s.distractors.every((d) => s.answer > d) ? 1 : 0;
  let best = 0;
  for (let i = 1; i < s.candidates.length; i++) if (s.candidates[i] > s.candidates[best]) best = i;
  return s.candidateIds[best] === s.answerId ? 1 : 0;
}
