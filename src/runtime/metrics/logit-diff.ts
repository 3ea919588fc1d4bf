/** Logit difference at END: the answer's logit minus a distractor's (or the mean / max of the other candidates). */
import type { LogitSummary } from '../experiments/logits.js';

export type Versus = 'distractor' | 'mean_others' | 'max_others';

export function logitDiff(s: LogitSummary, versus: Versus = 'distractor'): number {
  if (versus === 'distractor') return s.answer - s.distractors[0];
  const others = s.candidates.filter((_, i) => s.candidateIds[i] !== s.answerId);
  if (versus === 'max_others') return s.answer - Math.max(...others);
  return s.answer - others.reduce((a, b) => a + b, 0) / others.length;
}
