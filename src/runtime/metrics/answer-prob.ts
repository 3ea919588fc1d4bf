/** Softmax probability of the answer token at END (over the full vocabulary). */
import type { LogitSummary } from '../experiments/logits.js';

export function answerProb(s: LogitSummary): number {
  return Math.exp(s.answer - s.logSumExp);
}
