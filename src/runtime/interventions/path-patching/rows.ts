/** Row-wise pieces of a block and the answer readout, on [N, D] rows (path patching computes rows, not batches). */
import * as tf from '@tensorflow/tfjs';
import { geluNew, layerNorm, linear, type GPT2Weights } from '../../model/index.js';
import type { LogitSummary } from '../../experiments/logits.js';
import { logitDiff, type Versus } from '../../metrics/logit-diff.js';
import type { Prompt, PromptSet } from '../../tasks/types.js';

export interface Pair { row: number; pos: number }

/** LayerNorm over rows [N, D] with the model's LayerNorm weights (null when folded). */
export function lnRows(x: tf.Tensor, lw: { w: tf.Tensor1D | null; b: tf.Tensor1D | null }, eps: number): tf.Tensor2D {
  const [N, D] = x.shape;
  return tf.reshape(layerNorm(tf.reshape(x, [1, N, D]) as tf.Tensor3D, lw, eps, 'path', null), [N, D]) as tf.Tensor2D;
}

export function mlpRows(W: GPT2Weights, l: number, x: tf.Tensor2D): tf.Tensor2D {
  const bw = W.blocks[l];
  return linear(geluNew(linear(x, bw.fcW, bw.fcB)), bw.projW, bw.projB);
}

/** One head's q, k or v from normalised rows x [N, D] → [N, dh]. */
export function headInput(W: GPT2Weights, c: { dModel: number; dHead: number }, l: number, h: number, which: 'q' | 'k' | 'v', x: tf.Tensor2D): tf.Tensor2D {
  const off = (which === 'q' ? 0 : which === 'k' ? 1 : 2) * c.dModel + h * c.dHead;
  const bw = W.blocks[l];
  return linear(x, tf.slice(bw.cAttnW, [0, off], [c.dModel, c.dHead]), tf.slice(bw.cAttnB, [off], [c.dHead]));
}

/**
 * The logit difference of normalised final rows [n·nP, D] (row = j·nP + pair; disposed here), unembedding only
 * the ids it reads (answer, distractors, candidates) instead of the whole vocabulary; one small async read-back.
 */
export async function logitRows(W: GPT2Weights, set: PromptSet, prompts: Prompt[], pairs: Pair[], n: number, normed: tf.Tensor2D, versus: Versus | undefined): Promise<number[]> {
  const ids = [...new Set(pairs.flatMap((p) => {
    const q = prompts[p.row];
    return [q.answerId, ...q.distractorIds, ...(set.candidates?.ids ?? [])];
  }))];
  const col = new Map(ids.map((id, i) => [id, i]));
  const lg = tf.tidy(() => {
    const l = tf.matMul(normed, tf.gather(W.WU, tf.tensor1d(ids, 'int32'), 1)); // [n·nP, U]
    return W.bU ? tf.add(l, tf.gather(W.bU, tf.tensor1d(ids, 'int32'))) : l;
  });
  normed.dispose();
  const data = await lg.data();
  lg.dispose();
  const U = ids.length;
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    pairs.forEach((p, pi) => {
      const q = prompts[p.row];
      const at = (id: number): number => data[(j * pairs.length + pi) * U + col.get(id)!];
      const cand = set.candidates ? set.candidates.ids : [q.answerId, ...q.distractorIds];
      const s: LogitSummary = {
        answerId: q.answerId, answer: at(q.answerId), distractors: q.distractorIds.map(at), candidates: cand.map(at), candidateIds: cand,
        argmax: -1, logSumExp: NaN,
      };
      out.push(logitDiff(s, versus));
    });
  }
  return out;
}
