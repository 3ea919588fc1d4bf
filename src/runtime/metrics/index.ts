/** Metrics: per-prompt values from logit summaries at END, and head tables. */
export { logitDiff, type Versus } from './logit-diff.js';
export { isCorrect, type AccuracyOver } from './accuracy.js';
export { answerProb } from './answer-prob.js';
export { patchingScore } from './patching-score.js';
export { attentionMetric } from './attention.js';
export { directLogitAttribution } from './dla.js';
export { mean, scalar, headTable } from './scalar.js';
