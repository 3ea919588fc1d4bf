/**
 * GPT-2 weights as tf tensors, held once. Hugging Face's fused layout is kept because it makes every weight
 * matmul 2-D and untransposed (the fast wasm kernel): x[B*P, d] @ W[d, out].
 * LayerNorm weights are null once folded into the next matmul (processing.ts); the LayerNorm still centres and
 * scales.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import { CircuitspecError } from '../../errors.js';

export interface LayerNormWeights {
  w: tf.Tensor1D | null; // [d]
  b: tf.Tensor1D | null; // [d]
}

export interface BlockWeights {
  ln1: LayerNormWeights;
  cAttnW: tf.Tensor2D; // [d, 3d]  columns: Q | K | V, each head-major (h*dh + i)
  cAttnB: tf.Tensor1D; // [3d]
  cProjW: tf.Tensor2D; // [d, d]   W_O: rows head-major (h*dh + i)
  cProjB: tf.Tensor1D; // [d]      b_O
  ln2: LayerNormWeights;
  fcW: tf.Tensor2D; // [d, dMlp]   W_in
  fcB: tf.Tensor1D; // [dMlp]
  projW: tf.Tensor2D; // [dMlp, d] W_out
  projB: tf.Tensor1D; // [d]
}

export interface GPT2Weights {
  wte: tf.Tensor2D; // [V, d]   W_E, gathered by token id
  wpe: tf.Tensor2D; // [nCtx, d] W_pos
  blocks: BlockWeights[];
  lnF: LayerNormWeights;
  WU: tf.Tensor2D; // [d, V]    unembedding, untransposed
  bU: tf.Tensor1D | null; // [V] (fold_ln of ln_final creates it)
}

/** Canonical HF key → Float32Array, as the checkpoint reader and the random initialiser both provide. */
export type WeightSource = (key: string) => Float32Array;

/** Build GPT2Weights from a key getter, one tensor at a time (the getter's array can be freed right after). */
export function weightsFromSource(get: WeightSource, c: ModelConfig): GPT2Weights {
  const d = c.dModel;
  const t1 = (key: string, n: number): tf.Tensor1D => tf.tensor1d(checked(get(key), key, n));
  const t2 = (key: string, r: number, k: number): tf.Tensor2D => tf.tensor2d(checked(get(key), key, r * k), [r, k]);
  const ln = (prefix: string): LayerNormWeights => ({ w: t1(`${prefix}.weight`, d), b: t1(`${prefix}.bias`, d) });
  const blocks: BlockWeights[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `h.${l}`;
    blocks.push({
      ln1: ln(`${p}.ln_1`),
      cAttnW: t2(`${p}.attn.c_attn.weight`, d, 3 * d),
      cAttnB: t1(`${p}.attn.c_attn.bias`, 3 * d),
      cProjW: t2(`${p}.attn.c_proj.weight`, d, d),
      cProjB: t1(`${p}.attn.c_proj.bias`, d),
      ln2: ln(`${p}.ln_2`),
      fcW: t2(`${p}.mlp.c_fc.weight`, d, c.dMlp),
      fcB: t1(`${p}.mlp.c_fc.bias`, c.dMlp),
      projW: t2(`${p}.mlp.c_proj.weight`, c.dMlp, d),
      projB: t1(`${p}.mlp.c_proj.bias`, d),
    });
  }
  const wte = t2('wte.weight', c.dVocab, d);
  const wpe = t2('wpe.weight', c.nCtx, d);
  const lnF = ln('ln_f');
  // lm_head.weight is [V, d]; transposing once here keeps the unembedding a plain 2-D matmul.
  const lmHead = tf.tensor2d(checked(get('lm_head.weight'), 'lm_head.weight', c.dVocab * d), [c.dVocab, d]);
  const WU = tf.transpose(lmHead) as tf.Tensor2D; // [d, V]
  lmHead.dispose();
  return { wte, wpe, blocks, lnF, WU, bU: null };
}

function checked(a: Float32Array, key: string, n: number): Float32Array {
  if (a.length !== n) throw new CircuitspecError(`weight ${key} has ${a.length} values, expected ${n}`, { field: key });
  return a;
}

/** Every tensor in the weights, for dispose / counting / variable conversion. */
export function weightTensors(w: GPT2Weights): tf.Tensor[] {
  const out: (tf.Tensor | null)[] = [w.wte, w.wpe, w.WU, w.bU, w.lnF.w, w.lnF.b];
  for (const b of w.blocks) {
    out.push(b.ln1.w, b.ln1.b, b.cAttnW, b.cAttnB, b.cProjW, b.cProjB, b.ln2.w, b.ln2.b, b.fcW, b.fcB, b.projW, b.projB);
  }
  return out.filter((t): t is tf.Tensor => t !== null);
}

export function disposeWeights(w: GPT2Weights): void {
  for (const t of weightTensors(w)) t.dispose();
}

/** Map every tensor through `f` (e.g. to tf.variable for training); nulls stay null. */
export function mapWeights(w: GPT2Weights, f: (t: tf.Tensor, name: string) => tf.Tensor): GPT2Weights {
  const m = <T extends tf.Tensor>(t: T, name: string): T => f(t, name) as T;
  const mn = <T extends tf.Tensor>(t: T | null, name: string): T | null => (t ? m(t, name) : null);
  const ln = (x: LayerNormWeights, p: string): LayerNormWeights => ({ w: mn(x.w, `${p}.w`), b: mn(x.b, `${p}.b`) });
  return {
    wte: m(w.wte, 'wte'),
    wpe: m(w.wpe, 'wpe'),
    blocks: w.blocks.map((b, l) => ({
      ln1: ln(b.ln1, `blocks.${l}.ln1`),
      cAttnW: m(b.cAttnW, `blocks.${l}.cAttnW`),
      cAttnB: m(b.cAttnB, `blocks.${l}.cAttnB`),
      cProjW: m(b.cProjW, `blocks.${l}.cProjW`),
      cProjB: m(b.cProjB, `blocks.${l}.cProjB`),
      ln2: ln(b.ln2, `blocks.${l}.ln2`),
      fcW: m(b.fcW, `blocks.${l}.fcW`),
      fcB: m(b.fcB, `blocks.${l}.fcB`),
      projW: m(b.projW, `blocks.${l}.projW`),
      projB: m(b.projB, `blocks.${l}.projB`),
    })),
    lnF: ln(w.lnF, 'lnF'),
    WU: m(w.WU, 'WU'),
    bU: mn(w.bU, 'bU'),
  };
}

/** Per-head W_O view [H, dh, d] (a new tensor: the caller disposes it or runs inside tf.tidy). */
export function headWO(w: GPT2Weights, c: ModelConfig, layer: number): tf.Tensor3D {
  return tf.reshape(w.blocks[layer].cProjW, [c.nHeads, c.dHead, c.dModel]) as tf.Tensor3D;
}

/** Per-head W_Q/W_K/W_V views [H, d, dh] from the fused c_attn (new tensors). */
export function headQKV(w: GPT2Weights, c: ModelConfig, layer: number, which: 'q' | 'k' | 'v'): tf.Tensor3D {
  const d = c.dModel;
  const i = which === 'q' ? 0 : which === 'k' ? 1 : 2;
  return tf.tidy(() => {
    const W = tf.slice(w.blocks[layer].cAttnW, [0, i * d], [d, d]); // [d, H*dh]
    return tf.transpose(tf.reshape(W, [d, c.nHeads, c.dHead]), [1, 0, 2]) as tf.Tensor3D; // [H, d, dh]
  });
}
