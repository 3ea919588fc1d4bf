/** The untrained-token check (tasks/untrained.ts) on a loaded model's embedding. */
import * as tf from '@tensorflow/tfjs';
import { answerIds, sampleIds, untrainedWarnings as fromRows } from '../tasks/untrained.js';
import type { PromptSet } from '../tasks/types.js';
import type { GPT2Weights } from './weights.js';

/** Reads the few rows the check compares in one asynchronous read-back (a GPU backend cannot read synchronously). */
export async function untrainedWarnings(set: PromptSet, weights: GPT2Weights): Promise<string[]> {
  const vocab = weights.wte.shape[0];
  const ids = [...new Set([...answerIds(set), ...sampleIds(vocab)])].filter((id) => Number.isInteger(id) && id >= 0 && id < vocab);
  const picked = tf.tidy(() => tf.gather(weights.wte, tf.tensor1d(ids, 'int32')));
  const data = (await picked.array()) as number[][];
  picked.dispose();
  const row = new Map(ids.map((id, i) => [id, data[i]]));
  return fromRows(set, vocab, (want) => want.map((id) => row.get(id)!));
}
