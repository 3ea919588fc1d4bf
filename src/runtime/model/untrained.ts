/** The untrained-token check (tasks/untrained.ts) on a loaded model's embedding. */
import * as tf from '@tensorflow/tfjs';
import { untrainedWarnings as fromRows } from '../tasks/untrained.js';
import type { PromptSet } from '../tasks/types.js';
import type { GPT2Weights } from './weights.js';

export function untrainedWarnings(set: PromptSet, weights: GPT2Weights): string[] {
  const rows = (ids: number[]) => tf.tidy(() => tf.gather(weights.wte, tf.tensor1d(ids, 'int32')).arraySync() as number[][]);
  return fromRows(set, weights.wte.shape[0], rows);
}
