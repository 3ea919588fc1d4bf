/**
 * GPT-2 forward as pure functions of (weights, config, ids), nanoGPT style, with TransformerLens hook points.
 * Pure tf ops only: it runs unchanged inside tf.variableGrads with tf.Variable weights (training):
 *
 *   const vars = mapWeights(weights, (t) => tf.variable(t));
 *   const { value, grads } = tf.variableGrads(() => lossFrom(forward(vars, config, ids).logits!));
 *
 * Shapes: B batch, P positions computed (P = all positions − startPos), K key positions (all), H heads,
 * dh head size, D d_model, M d_mlp, V vocabulary. Weight matmuls are 2-D and untransposed ([B*P, D] @ [D, out]),
 * the fast wasm kernel; only attention's small QK^T and pattern·V are batched.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { BlockWeights, GPT2Weights, LayerNormWeights } from './weights.js';
import { CircuitspecError } from '../../errors.js';
import { gatherRows, geluNew, linear } from './ops.js';

/** Where a forward reads and rewrites activations (hooks.ts builds one from Hook[] and a cache request). */
export interface HookRunner {
  /** True when `name` is read or edited in this run (optional activations like hook_result are only computed then). */
  wants(name: string): boolean;
  /** Called at every hook point with the activation; returns it or its replacement (same shape). */
  apply(name: string, layer: number | null, x: tf.Tensor): tf.Tensor;
}

/** 'last' = each row's last real token (lengths); number[][] = absolute positions per row, same count per row. */
export type LogitsAt = 'all' | 'last' | 'none' | number[][];

export interface ForwardOptions {
  hooks?: HookRunner;
  logitsAt?: LogitsAt; // default 'all'
  lengths?: number[]; // real (unpadded) length of each row; default P for every row
  /** Recompute only positions >= startPos; keys/values of earlier positions come from `past`. */
  startPos?: number;
  past?: (layer: number) => { k: tf.Tensor; v: tf.Tensor }; // each [B, startPos, H, dh]
}

export interface ForwardResult {
  /** [B, P, V] for 'all', [B, V] for 'last', [B, n, V] for position lists, null for 'none'. */
  logits: tf.Tensor | null;
}

const NO_HOOKS: HookRunner = { wants: () => false, apply: (_n, _l, x) => x };

/** The full forward. ids [B, Pfull] int32 token ids (right-padded). */
export function forward(w: GPT2Weights, c: ModelConfig, ids: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
  const hooks = opts.hooks ?? NO_HOOKS;
  const [B, Pfull] = ids.shape;
  const start = opts.startPos ?? 0;
  if (Pfull > c.nCtx) throw new CircuitspecError(`sequence of ${Pfull} tokens is longer than nCtx ${c.nCtx}`, { field: 'input' });
  if (start < 0 || start >= Pfull) throw new CircuitspecError(`startPos ${start} is outside 0..${Pfull - 1}`, { field: 'startPos' });
  if (start > 0 && !opts.past) throw new CircuitspecError('startPos > 0 needs `past` (a cache holding hook_k and hook_v)', { field: 'past' });
  const mask = causalMask(Pfull - start, Pfull, start); // [P, K]
  const core = standardCore(mask, start > 0 ? opts.past! : null);
  const embedded = embed(w, c, ids, start, hooks); // [B, P, D]
  const resid = runBlocks(w, c, embedded, 0, core, hooks);
  embedded.dispose();
  const out = tf.tidy(() => {
    const lg = unembed(w, c, resid, B, start, opts, hooks);
    return lg ? [lg] : [];
  });
  resid.dispose();
  mask.dispose();
  return { logits: out[0] ?? null };
}

/**
 * Attention's core for one layer: q, k, v [B, P, H, dh] (after their hooks) → z [B, P, H, dh] (before hook_z).
 * The full forward's core attends over past + current keys under the causal mask; path patching's suffix
 * reruns plug in a core whose past keys are shared by many rows (interventions/path-patching/suffix.ts).
 */
export type AttentionCore = (layer: number, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, hooks: HookRunner) => tf.Tensor;

/** Blocks `from`..to−1 (default: to the last) on the residual stream x [B, P, D] → their output (caller disposes; x is kept). */
export function runBlocks(w: GPT2Weights, c: ModelConfig, x: tf.Tensor3D, from: number, core: AttentionCore, hooks: HookRunner = NO_HOOKS, to = c.nLayers): tf.Tensor3D {
  let resid = x;
  for (let l = from; l < to; l++) {
    const prev = resid;
    resid = tf.tidy(() => block(w.blocks[l], c, l, prev, core, hooks));
    if (prev !== x) prev.dispose();
  }
  return resid === x ? (tf.clone(x) as tf.Tensor3D) : resid;
}

/** The standard core: keys/values of positions < start come from `past` (a partial rerun), then causal softmax. */
function standardCore(mask: tf.Tensor2D, past: ForwardOptions['past'] | null): AttentionCore {
  return (l, q, kNew, vNew, hooks) => {
    const p = `blocks.${l}.attn`;
    const dh = q.shape[3]!;
    let k = kNew;
    let v = vNew;
    if (past) {
      const pk = past(l);
      k = tf.concat([pk.k, k], 1); // [B, K, H, dh]
      v = tf.concat([pk.v, v], 1); // [B, K, H, dh]
      pk.k.dispose();
      pk.v.dispose();
    }
    const qh = tf.transpose(q, [0, 2, 1, 3]); // [B, H, P, dh]
    const kT = tf.transpose(k, [0, 2, 3, 1]); // [B, H, dh, K]
    const vh = tf.transpose(v, [0, 2, 1, 3]); // [B, H, K, dh]
    const raw = tf.matMul(tf.mul(qh, 1 / Math.sqrt(dh)), kT); // [B, H, P, K]
    const scores = hooks.apply(`${p}.hook_attn_scores`, l, tf.add(raw, mask)); // [B, H, P, K]
    const pattern = hooks.apply(`${p}.hook_pattern`, l, tf.softmax(scores, -1)); // [B, H, P, K]
    return tf.transpose(tf.matMul(pattern, vh), [0, 2, 1, 3]); // [B, P, H, dh]
  };
}

/** Additive causal mask [P, K]: 0 where key j <= query start+i, −inf after (TransformerLens's IGNORE). */
export function causalMask(P: number, K: number, start: number): tf.Tensor2D {
  const m = new Float32Array(P * K);
  for (let i = 0; i < P; i++) for (let j = start + i + 1; j < K; j++) m[i * K + j] = -Infinity;
  return tf.tensor2d(m, [P, K]);
}

function embed(w: GPT2Weights, c: ModelConfig, ids: tf.Tensor2D, start: number, hooks: HookRunner): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, Pfull] = ids.shape;
    const P = Pfull - start;
    const tok = start > 0 ? tf.slice(ids, [0, start], [B, P]) : ids; // [B, P]
    const e = tf.reshape(gatherRows(w.wte, tf.reshape(tok, [B * P]) as tf.Tensor1D), [B, P, c.dModel]); // [B, P, D]
    const embedded = hooks.apply('hook_embed', null, e);
    const pos = tf.broadcastTo(tf.slice(w.wpe, [start, 0], [P, c.dModel]).expandDims(0), [B, P, c.dModel]); // [B, P, D]
    const posEmbed = hooks.apply('hook_pos_embed', null, pos);
    return tf.add(embedded, posEmbed) as tf.Tensor3D; // [B, P, D]
  });
}

/** Pre-LN transformer block (nanoGPT's Block): x + attn(ln1(x)); then + mlp(ln2(x)). */
function block(bw: BlockWeights, c: ModelConfig, l: number, x: tf.Tensor3D, core: AttentionCore, hooks: HookRunner): tf.Tensor3D {
  const p = `blocks.${l}`;
  const residPre = hooks.apply(`${p}.hook_resid_pre`, l, x) as tf.Tensor3D; // [B, P, D]
  const attnIn = layerNorm(residPre, bw.ln1, c.layerNormEps, `${p}.ln1`, l, hooks); // [B, P, D]
  const attnOut = hooks.apply(`${p}.hook_attn_out`, l, attention(bw, c, l, attnIn, core, hooks)); // [B, P, D]
  const residMid = hooks.apply(`${p}.hook_resid_mid`, l, tf.add(residPre, attnOut)) as tf.Tensor3D; // [B, P, D]
  const mlpIn = layerNorm(residMid, bw.ln2, c.layerNormEps, `${p}.ln2`, l, hooks); // [B, P, D]
  const mlpOut = hooks.apply(`${p}.hook_mlp_out`, l, mlp(bw, c, l, mlpIn, hooks)); // [B, P, D]
  return hooks.apply(`${p}.hook_resid_post`, l, tf.add(residMid, mlpOut)) as tf.Tensor3D; // [B, P, D]
}

/**
 * TransformerLens LayerNorm: centre, scale (hook_scale [B, P, 1]), then the affine part when not folded;
 * hook_normalized sees the output. `prefix` is e.g. 'blocks.0.ln1' or 'ln_final'.
 */
export function layerNorm(
  x: tf.Tensor3D, lw: LayerNormWeights, eps: number, prefix: string, layer: number | null, hooks: HookRunner = NO_HOOKS,
): tf.Tensor3D {
  const centred = tf.sub(x, tf.mean(x, -1, true)); // [B, P, D]
  const scale = hooks.apply(`${prefix}.hook_scale`, layer, tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps))); // [B, P, 1]
  let y = tf.div(centred, scale); // [B, P, D]
  if (lw.w) y = tf.mul(y, lw.w);
  if (lw.b) y = tf.add(y, lw.b);
  return hooks.apply(`${prefix}.hook_normalized`, layer, y) as tf.Tensor3D; // [B, P, D]
}

/** Self-attention with fused QKV (HF c_attn) and per-head hooks; `core` does scores, softmax and the value mix. */
function attention(bw: BlockWeights, c: ModelConfig, l: number, x: tf.Tensor3D, core: AttentionCore, hooks: HookRunner): tf.Tensor3D {
  const p = `blocks.${l}.attn`;
  const [B, P, D] = x.shape;
  const { nHeads: H, dHead: dh } = c;
  const qkv = linear(tf.reshape(x, [B * P, D]), bw.cAttnW, bw.cAttnB); // [B*P, 3D]
  const [q2, k2, v2] = [0, 1, 2].map((i) => tf.slice(qkv, [0, i * D], [B * P, D])); // each [B*P, D]
  const q = hooks.apply(`${p}.hook_q`, l, tf.reshape(q2, [B, P, H, dh])); // [B, P, H, dh]
  const k = hooks.apply(`${p}.hook_k`, l, tf.reshape(k2, [B, P, H, dh])); // [B, P, H, dh]
  const v = hooks.apply(`${p}.hook_v`, l, tf.reshape(v2, [B, P, H, dh])); // [B, P, H, dh]
  const z = hooks.apply(`${p}.hook_z`, l, core(l, q, k, v, hooks)); // [B, P, H, dh]
  const resultName = `${p}.hook_result`;
  if (hooks.wants(resultName)) {
    // Per-head outputs, each a 2-D untransposed matmul by its W_O rows; attn_out is then their sum + b_O.
    const z3 = tf.reshape(z, [B * P, H, dh]); // [B*P, H, dh]
    const perHead: tf.Tensor[] = [];
    for (let h = 0; h < H; h++) {
      const zhh = tf.reshape(tf.slice(z3, [0, h, 0], [B * P, 1, dh]), [B * P, dh]); // [B*P, dh]
      perHead.push(tf.matMul(zhh, tf.slice(bw.cProjW, [h * dh, 0], [dh, D]))); // [B*P, D]
    }
    const result = hooks.apply(resultName, l, tf.reshape(tf.stack(perHead, 1), [B, P, H, D])); // [B, P, H, D]
    return tf.add(tf.sum(result, 2), bw.cProjB) as tf.Tensor3D; // [B, P, D]
  }
  return tf.reshape(linear(tf.reshape(z, [B * P, D]), bw.cProjW, bw.cProjB), [B, P, D]) as tf.Tensor3D; // [B, P, D]
}

/** MLP: W_in, tanh GELU (gelu_new), W_out. */
function mlp(bw: BlockWeights, c: ModelConfig, l: number, x: tf.Tensor3D, hooks: HookRunner): tf.Tensor3D {
  const p = `blocks.${l}.mlp`;
  const [B, P, D] = x.shape;
  const pre = hooks.apply(`${p}.hook_pre`, l, tf.reshape(linear(tf.reshape(x, [B * P, D]), bw.fcW, bw.fcB), [B, P, c.dMlp])); // [B, P, M]
  const post = hooks.apply(`${p}.hook_post`, l, geluNew(pre)); // [B, P, M]
  return tf.reshape(linear(tf.reshape(post, [B * P, c.dMlp]), bw.projW, bw.projB), [B, P, D]) as tf.Tensor3D; // [B, P, D]
}

/** ln_final (hooked over all computed positions), then W_U only at the requested positions. */
function unembed(
  w: GPT2Weights, c: ModelConfig, resid: tf.Tensor3D, B: number, start: number, opts: ForwardOptions, hooks: HookRunner,
): tf.Tensor | null {
  const at = opts.logitsAt ?? 'all';
  const P = resid.shape[1];
  const D = c.dModel;
  const needLn = at !== 'none' || hooks.wants('ln_final.hook_scale') || hooks.wants('ln_final.hook_normalized');
  if (!needLn) return null;
  const normed = layerNorm(resid, w.lnF, c.layerNormEps, 'ln_final', null, hooks); // [B, P, D]
  if (at === 'none') return null;
  const flat = tf.reshape(normed, [B * P, D]); // [B*P, D]
  if (at === 'all') return tf.reshape(linear(flat, w.WU, w.bU), [B, P, c.dVocab]); // [B, P, V]
  const rows = logitRows(at, B, P, start, opts.lengths);
  const picked = gatherRows(flat as tf.Tensor2D, tf.tensor1d(rows.flat, 'int32')); // [n, D]
  const logits = linear(picked, w.WU, w.bU); // [n, V]
  return at === 'last' ? logits : tf.reshape(logits, [B, rows.perRow, c.dVocab]); // [B, V] or [B, n, V]
}

/** Flat row indices into [B*P] for 'last' or per-row position lists (absolute positions, shifted by start). */
export function logitRows(
  at: 'last' | number[][], B: number, P: number, start: number, lengths?: number[],
): { flat: number[]; perRow: number } {
  if (at === 'last') {
    const flat: number[] = [];
    for (let b = 0; b < B; b++) {
      const last = (lengths ? lengths[b] : start + P) - 1 - start;
      if (last < 0) throw new CircuitspecError(`row ${b}'s last token (${last + start}) is before startPos ${start}`, { field: 'logitsAt' });
      flat.push(b * P + last);
    }
    return { flat, perRow: 1 };
  }
  if (at.length !== B) throw new CircuitspecError(`logitsAt has ${at.length} rows for a batch of ${B}`, { field: 'logitsAt' });
  const perRow = at[0].length;
  const flat: number[] = [];
  at.forEach((row, b) => {
    if (row.length !== perRow) throw new CircuitspecError(`logitsAt rows must list the same number of positions (row 0 has ${perRow}, row ${b} has ${row.length})`, { field: 'logitsAt' });
    for (const pos of row) {
      if (!Number.isInteger(pos) || pos < start || pos >= start + P) {
        throw new CircuitspecError(`logitsAt position ${pos} in row ${b} is outside ${start}..${start + P - 1}`, { field: 'logitsAt' });
      }
      flat.push(b * P + pos - start);
    }
  });
  return { flat, perRow };
}
