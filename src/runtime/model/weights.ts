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
  // lm_head.weight is [V, d]; transposed once here (in JS, so the wasm heap never holds both layouts) to keep
  // the unembedding a plain 2-D matmul.
  const WU = tf.tensor2d(transpose2d(checked(get('lm_head.weight'), 'lm_head.weight', c.dVocab * d), c.dVocab, d), [d, c.dVocab]);
  return { wte, wpe, blocks, lnF, WU, bU: null };
}

/** [rows, cols] → [cols, rows], in cache-friendly blocks. */
export function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  const BS = 64;
  for (let r0 = 0; r0 < rows; r0 += BS) {
    const r1 = Math.min(rows, r0 + BS);
    for (let c0 = 0; c0 < cols; c0 += BS) {
      const c1 = Math.min(cols, c0 + BS);
      for (let r = r0; r < r1; r++) for (let cc = c0; cc < c1; cc++) out[cc * rows + r] = a[r * cols + cc];
    }
  }
  return out;
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

/**
 * The weights under Hugging Face's canonical keys (no 'transformer.' prefix; lm_head omitted: tied to wte), e.g.
 * to save a trained model with writeSafetensors and load it back with loadModel. Unprocessed weights only.
 * Every tensor is read back asynchronously, all requests in flight together.
 */
export async function exportHFWeights(w: GPT2Weights): Promise<Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>> {
  const picked: [string, tf.Tensor][] = [];
  const put = (key: string, t: tf.Tensor | null) => {
    if (!t) throw new CircuitspecError(`cannot export '${key}': it was folded away by weight processing (export unprocessed weights)`, { field: key });
    picked.push([key, t]);
  };
  if (w.bU) throw new CircuitspecError('cannot export processed weights (b_U exists after fold_ln): export unprocessed weights', { field: 'bU' });
  put('wte.weight', w.wte);
  put('wpe.weight', w.wpe);
  w.blocks.forEach((b, l) => {
    const p = `h.${l}`;
    put(`${p}.ln_1.weight`, b.ln1.w);
    put(`${p}.ln_1.bias`, b.ln1.b);
    put(`${p}.attn.c_attn.weight`, b.cAttnW);
    put(`${p}.attn.c_attn.bias`, b.cAttnB);
    put(`${p}.attn.c_proj.weight`, b.cProjW);
    put(`${p}.attn.c_proj.bias`, b.cProjB);
    put(`${p}.ln_2.weight`, b.ln2.w);
    put(`${p}.ln_2.bias`, b.ln2.b);
    put(`${p}.mlp.c_fc.weight`, b.fcW);
    put(`${p}.mlp.c_fc.bias`, b.fcB);
    put(`${p}.mlp.c_proj.weight`, b.projW);
    put(`${p}.mlp.c_proj.bias`, b.projB);
  });
  put('ln_f.weight', w.lnF.w);
  put('ln_f.bias', w.lnF.b);
  // W_U is untied only if it differs from wte; a trained tied model keeps them equal only if trained tied.
  const lm = tf.tidy(() => tf.transpose(w.WU));
  picked.push(['lm_head.weight', lm]);
  try {
    // The cpu backend hands out its backing store: copy.
    const datas = await Promise.all(picked.map(async ([, t]) => (await t.data() as Float32Array).slice()));
    return Object.fromEntries(picked.map(([key, t], i) => [key, { dtype: 'F32' as const, shape: t.shape.slice(), data: datas[i] }]));
  } finally {
    lm.dispose();
  }
}
