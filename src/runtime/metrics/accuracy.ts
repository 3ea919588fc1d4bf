/** Accuracy: the argmax over the full vocabulary (or over the task's candidate set) is the answer. */
import type { LogitSummary } from '../experiments/logits.js';

export type AccuracyOver = 'vocab' | 'candidates';

export function isCorrect(s: LogitSummary, over: AccuracyOver = 'vocab'): number {
  if (over === 'vocab') return s.argmax === s.answerId ? 1 : 0;
  let best = 0;
  for (let i = 1; i < s.candidates.length; i++) if (s.candidates[i] > s.candidates[best]) best = i;
  return s.candidateIds[best] === s.answerId ? 1 : 0;
}
