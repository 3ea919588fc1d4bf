/**
 * TransformerLens weight processing, each flag on its own, applied in TL's order:
 * fold_ln → center_writing_weights → center_unembed → fold_value_biases. None of them changes logit differences
 * or predictions: folding moves LayerNorm's affine part into the matmul that reads it; centring removes the
 * component along the all-ones direction, which every reader (a LayerNorm, or softmax over the vocabulary)
 * ignores; value biases reach the output only through W_O, so they fold into b_O.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT2Weights, LayerNormWeights } from './weights.js';
import { CircuitspecError } from '../../errors.js';

export type ProcessingFlags = { foldLn: boolean; centerWritingWeights: boolean; centerUnembed: boolean; foldValueBiases: boolean };
export type ProcessingOption = 'none' | 'transformerlens' | Partial<ProcessingFlags>;

export const NO_PROCESSING: ProcessingFlags = { foldLn: false, centerWritingWeights: false, centerUnembed: false, foldValueBiases: false };
export const TL_PROCESSING: ProcessingFlags = { foldLn: true, centerWritingWeights: true, centerUnembed: true, foldValueBiases: true };

export function resolveProcessing(p: ProcessingOption | undefined): ProcessingFlags {
  if (p === undefined || p === 'none') return { ...NO_PROCESSING };
  if (p === 'transformerlens') return { ...TL_PROCESSING };
  if (typeof p !== 'object' || p === null) {
    throw new CircuitspecError(`processing must be 'none', 'transformerlens' or an object of flags, got ${JSON.stringify(p)}`, { field: 'processing' });
  }
  for (const k of Object.keys(p)) {
    if (!(k in NO_PROCESSING)) {
      throw new CircuitspecError(`unknown processing flag '${k}' (known: ${Object.keys(NO_PROCESSING).join(', ')})`, { field: 'processing' });
    }
  }
  return { ...NO_PROCESSING, ...p };
}

/** Applies the flags in place (old tensors are disposed and replaced). */
export function processWeights(w: GPT2Weights, flags: ProcessingFlags): void {
  if (flags.foldLn) foldLayerNorm(w);
  if (flags.centerWritingWeights) centerWritingWeights(w);
  if (flags.centerUnembed) centerUnembed(w);
  if (flags.foldValueBiases) foldValueBiases(w);
}

/** Replace a tensor by f(old) computed in a tidy; disposes the old one. */
function swap<T extends tf.Tensor>(old: T, f: (x: T) => tf.Tensor): T {
  const next = tf.tidy(() => f(old)) as T;
  old.dispose();
  return next;
}

/**
 * Fold a LayerNorm's (w, b) into the matmul reading it: W' = diag(w)·W, b' = b_W + b·W, then centre W' over its
 * input (d_model) axis — the normalised input has zero mean, so that component never mattered.
 * Returns the new [W', b'] and nulls the LayerNorm's weights.
 */
function foldInto(ln: LayerNormWeights, W: tf.Tensor2D, bias: tf.Tensor1D | null): [tf.Tensor2D, tf.Tensor1D] {
  const [d, out] = W.shape;
  const next = tf.tidy(() => {
    const lw = ln.w ?? tf.ones([d]);
    const lb = ln.b ?? tf.zeros([d]);
    const b = tf.add(bias ?? tf.zeros([out]), tf.reshape(tf.matMul(tf.reshape(lb, [1, d]), W), [out])); // [out]
    const scaled = tf.mul(W, tf.reshape(lw, [d, 1])); // [d, out]
    const centred = tf.sub(scaled, tf.mean(scaled, 0, true)); // [d, out]
    return [centred, b] as [tf.Tensor2D, tf.Tensor1D];
  });
  W.dispose();
  bias?.dispose();
  ln.w?.dispose();
  ln.b?.dispose();
  ln.w = null;
  ln.b = null;
  return next;
}

export function foldLayerNorm(w: GPT2Weights): void {
  for (const bw of w.blocks) {
    [bw.cAttnW, bw.cAttnB] = foldInto(bw.ln1, bw.cAttnW, bw.cAttnB); // W_Q | W_K | W_V and their biases
    [bw.fcW, bw.fcB] = foldInto(bw.ln2, bw.fcW, bw.fcB); // W_in
  }
  [w.WU, w.bU] = foldInto(w.lnF, w.WU, w.bU); // W_U; creates b_U
}

/** Subtract, from everything that writes to the residual stream, its mean over d_model. */
export function centerWritingWeights(w: GPT2Weights): void {
  const rowCentre = (x: tf.Tensor2D): tf.Tensor2D => swap(x, (t) => tf.sub(t, tf.mean(t, 1, true))); // [n, d]
  const vecCentre = (x: tf.Tensor1D): tf.Tensor1D => swap(x, (t) => tf.sub(t, tf.mean(t)));
  w.wte = rowCentre(w.wte); // W_E [V, d]
  w.wpe = rowCentre(w.wpe); // W_pos [nCtx, d]
  for (const bw of w.blocks) {
    bw.cProjW = rowCentre(bw.cProjW); // W_O [H*dh, d]
    bw.cProjB = vecCentre(bw.cProjB); // b_O
    bw.projW = rowCentre(bw.projW); // W_out [M, d]
    bw.projB = vecCentre(bw.projB); // b_out
  }
}

/** W_U and b_U minus their mean over the vocabulary (softmax is shift-invariant). */
export function centerUnembed(w: GPT2Weights): void {
  w.WU = swap(w.WU, (t) => tf.sub(t, tf.mean(t, 1, true))); // [d, V]
  if (w.bU) w.bU = swap(w.bU, (t) => tf.sub(t, tf.mean(t)));
}

/** b_O += Σ_h b_V[h]·W_O[h]; b_V = 0 (attention patterns sum to 1, so b_V reaches the output unchanged). */
export function foldValueBiases(w: GPT2Weights): void {
  for (const bw of w.blocks) {
    const d = bw.cProjW.shape[0];
    const [bO, bQKV] = tf.tidy(() => {
      const bV = tf.slice(bw.cAttnB, [2 * d], [d]); // [H*dh]
      const bO = tf.add(bw.cProjB, tf.reshape(tf.matMul(tf.reshape(bV, [1, d]), bw.cProjW), [d])); // [d]
      const bQKV = tf.concat([tf.slice(bw.cAttnB, [0], [2 * d]), tf.zeros([d])]); // [3d]
      return [bO, bQKV] as [tf.Tensor1D, tf.Tensor1D];
    });
    bw.cProjB.dispose();
    bw.cAttnB.dispose();
    bw.cProjB = bO;
    bw.cAttnB = bQKV;
  }
}
