/**
 * Probability on the answers minus probability on the distractors at END (softmax over the full vocabulary).
 * Greater-Than (Hanna et al. 2023): P(year > YY) − P(year ≤ YY) over the two-digit year tokens; a prompt with one
 * answer gives P(answer) − Σ P(distractors).
 */
import type { LogitSummary } from '../experiments/logits.js';

export function probDiff(s: LogitSummary): number {
  const p = (logit: number): number => Math.exp(logit - s.logSumExp);
  let d = 0;
  for (const a of s.answers ?? [s.answer]) d += p(a);
  for (const x of s.distractors) d -= p(x);
  return d;
}
