/**
 * The organisms' training network: GPT-2 exactly as src/runtime/model/forward.ts computes it (pre-LN blocks, fused
 * c_attn, gelu_new, tied unembedding, no unembedding bias), written for fast autodiff on wasm:
 * - weight matmuls go through `mm`, whose gradient uses explicit transposes (wasm's transposed matmul is ~10x
 *   slower, and tf.matMul's own gradient uses it);
 * - token embedding is a one-hot matmul (tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks);
 * - gelu_new in its exact sigmoid form: 0.5x(1 + tanh(z)) = x·sigmoid(2z) (sigmoid is ~6x cheaper than tanh here).
 * Only a compact sub-vocabulary of embedding rows is trained (vocab.ts), plus ONE learned row shared by every other
 * GPT-2 token (row nSub). Why shared and learned, not zero: with zero rows every untrained token has logit exactly 0,
 * 50k of them, so a name must reach logit ≈ log(50k) ≈ 10.8 to win — the model spent its capacity on that offset and
 * sat on the 50% IOI plateau for 7000+ steps; a learned shared row lets it push all of them down along one
 * direction (as full-vocabulary training pushes the unused rows down), and the circuit forms by ~1,600 steps.
 * tests/organisms check that an exported checkpoint loaded by loadModel gives these logits.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../runtime/util/rng.js';

export interface NetShape {
  nLayers: number;
  nHeads: number;
  dModel: number;
  nCtx: number;
  /** Trained (compact) vocabulary rows. */
  nSub: number;
}

export interface BlockParams {
  ln1w: tf.Variable; ln1b: tf.Variable; // [D]
  attnW: tf.Variable; attnB: tf.Variable; // [D, 3D], [3D]
  projW: tf.Variable; projB: tf.Variable; // [D, D], [D]
  ln2w: tf.Variable; ln2b: tf.Variable; // [D]
  fcW: tf.Variable; fcB: tf.Variable; // [D, 4D], [4D]
  outW: tf.Variable; outB: tf.Variable; // [4D, D], [D]
}

export interface NetParams {
  wte: tf.Variable; // [nSub + 1, D] trained embedding rows, then the shared row of every untrained token (tied unembedding)
  wpe: tf.Variable; // [nCtx, D]
  blocks: BlockParams[];
  lnfw: tf.Variable; lnfb: tf.Variable; // [D]
}

/** Every parameter with a stable name (optimizer state, decay choice, export). */
export function namedParams(p: NetParams): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = [['wte', p.wte], ['wpe', p.wpe]];
  p.blocks.forEach((b, l) => {
    for (const [k, v] of Object.entries(b)) out.push([`h.${l}.${k}`, v as tf.Variable]);
  });
  out.push(['lnfw', p.lnfw], ['lnfb', p.lnfb]);
  return out;
}

/** GPT-2 initialisation: N(0, 0.02) matrices, residual-writing projections scaled by 1/sqrt(2·nLayers). */
export function initParams(s: NetShape, rng: Rng): NetParams {
  const D = s.dModel;
  const normal = (shape: number[], std: number): tf.Variable => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    return tf.variable(tf.tensor(data, shape));
  };
  const ones = (n: number): tf.Variable => tf.variable(tf.ones([n]));
  const zeros = (n: number): tf.Variable => tf.variable(tf.zeros([n]));
  const resid = 0.02 / Math.sqrt(2 * s.nLayers);
  const blocks: BlockParams[] = [];
  for (let l = 0; l < s.nLayers; l++) {
    blocks.push({
      ln1w: ones(D), ln1b: zeros(D),
      attnW: normal([D, 3 * D], 0.02), attnB: zeros(3 * D),
      projW: normal([D, D], resid), projB: zeros(D),
      ln2w: ones(D), ln2b: zeros(D),
      fcW: normal([D, 4 * D], 0.02), fcB: zeros(4 * D),
      outW: normal([4 * D, D], resid), outB: zeros(D),
    });
  }
  return { wte: normal([s.nSub + 1, D], 0.02), wpe: normal([s.nCtx, D], 0.01), blocks, lnfw: ones(D), lnfb: zeros(D) };
}

/** x[N, in] @ w[in, out]; gradients by explicit transposes (fast untransposed wasm kernels). */
const mmGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
});
export const mm = (x: tf.Tensor, w: tf.Tensor): tf.Tensor2D => mmGrad(x, w) as tf.Tensor2D;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** gelu_new = x·sigmoid(2·√(2/π)·(x + 0.044715x³)), the same function as 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(tf.mul(x, tf.add(1, tf.mul(tf.square(x), 0.044715))), 2 * SQRT_2_OVER_PI)));
}

function layerNorm(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const c = tf.sub(x, tf.mean(x, -1, true)); // [N, D]
  const scale = tf.sqrt(tf.add(tf.mean(tf.square(c), -1, true), eps)); // [N, 1]
  return tf.add(tf.mul(tf.div(c, scale), w), b) as tf.Tensor2D;
}

const masks = new Map<number, tf.Tensor2D>();
/** Additive causal mask [P, P], cached per length (kept outside every tidy). */
function causal(P: number): tf.Tensor2D {
  let m = masks.get(P);
  if (!m) {
    const a = new Float32Array(P * P);
    for (let i = 0; i < P; i++) for (let j = i + 1; j < P; j++) a[i * P + j] = -1e9;
    m = tf.keep(tf.tensor2d(a, [P, P]));
    masks.set(P, m);
  }
  return m;
}

export interface NetInput {
  /** Compact ids [n*P] (row-major, right-padded); nSub = an untrained token (the shared row). */
  x: Int32Array;
  n: number;
  P: number;
}

/**
 * Final residual after ln_f at every position: [n*P, D]. `select` (flat row indices) keeps only those rows
 * before ln_f (the END positions), as a one-hot matmul so it differentiates on wasm.
 */
export function hidden(p: NetParams, s: NetShape, inp: NetInput, select?: Int32Array, eps = 1e-5): tf.Tensor2D {
  return residualReads(p, s, inp, [{ after: s.nLayers, rows: select }], [], eps).resid[0];
}

/** Rows `rows` of x [N, F] as a one-hot matmul, which differentiates on wasm (gather's gradient does not). */
function selectRows(x: tf.Tensor2D, rows: Int32Array): tf.Tensor2D {
  return mm(tf.oneHot(tf.tensor1d(rows, 'int32'), x.shape[0]).toFloat(), x);
}

/** A read of the residual stream: after block `after` (1-based; nLayers = the final residual), at flat `rows` (all if absent). */
export interface ResidualRead {
  after: number;
  rows?: Int32Array;
}

/** A read of one head's attention (0-based layer): from flat query rows (prompt·P + position) to one key position each. */
export interface AttentionRead {
  layer: number;
  head: number;
  rows: Int32Array;
  keys: Int32Array;
}

/**
 * One forward pass and what the losses read from it: `resid`, the residual after ln_f at each residual read, in
 * order (the final one as `hidden` gives it, earlier ones for an early-exit loss that asks a step of a circuit to be
 * done by a given layer); `attn`, each attention read's probabilities [rows].
 */
export function residualReads(p: NetParams, s: NetShape, inp: NetInput, reads: ResidualRead[], attnReads: AttentionRead[] = [], eps = 1e-5): { resid: tf.Tensor2D[]; attn: tf.Tensor1D[] } {
  const { n, P } = inp;
  const D = s.dModel;
  const H = s.nHeads;
  const dh = D / H;
  const out: tf.Tensor2D[] = new Array(reads.length);
  const attnOut: tf.Tensor1D[] = new Array(attnReads.length);
  const read = (x: tf.Tensor2D, after: number): void => {
    reads.forEach((r, i) => {
      if (r.after !== after) return;
      const rows = r.rows ? selectRows(x, r.rows) : x; // [k, D]
      out[i] = layerNorm(rows, p.lnfw, p.lnfb, eps);
    });
  };
  const wteZ = p.wte; // [nSub+1, D]: the last row (learned) is shared by every untrained token
  const onehot = tf.oneHot(tf.tensor1d(inp.x, 'int32'), s.nSub + 1).toFloat(); // [nP, nSub+1]
  let x = tf.add(mm(onehot, wteZ), tf.tile(tf.slice(p.wpe, [0, 0], [P, D]), [n, 1])) as tf.Tensor2D; // [nP, D]
  const mask = causal(P);
  p.blocks.forEach((b, l) => {
    const h = layerNorm(x, b.ln1w, b.ln1b, eps); // [nP, D]
    const qkv = tf.add(mm(h, b.attnW), b.attnB); // [nP, 3D]
    const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.reshape(tf.transpose(tf.reshape(t, [n, P, H, dh]), [0, 2, 1, 3]), [n * H, P, dh])); // [nH, P, dh]
    const scores = tf.add(tf.mul(tf.matMul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(dh)), mask); // [nH, P, P]
    const probs = tf.softmax(scores); // [nH, P, P]
    attnReads.forEach((a, i) => {
      if (a.layer !== l) return;
      const ph = tf.reshape(tf.slice(tf.reshape(probs, [n, H, P, P]), [0, a.head, 0, 0], [n, 1, P, P]), [n * P, P]) as tf.Tensor2D;
      const rows = selectRows(ph, a.rows); // [k, P]
      attnOut[i] = tf.sum(tf.mul(rows, tf.oneHot(tf.tensor1d(a.keys, 'int32'), P).toFloat()), 1) as tf.Tensor1D;
    });
    const z = tf.matMul(probs, v); // [nH, P, dh]
    const z2 = tf.reshape(tf.transpose(tf.reshape(z, [n, H, P, dh]), [0, 2, 1, 3]), [n * P, D]); // [nP, D]
    x = tf.add(x, tf.add(mm(z2, b.projW), b.projB)) as tf.Tensor2D;
    const h2 = layerNorm(x, b.ln2w, b.ln2b, eps);
    x = tf.add(x, tf.add(mm(geluSigmoid(tf.add(mm(h2, b.fcW), b.fcB)), b.outW), b.outB)) as tf.Tensor2D;
    read(x, l + 1);
  });
  return { resid: out, attn: attnOut };
}

/** Logits [rows, nSub + 1] (tied unembedding): the trained rows, then the one logit every untrained token shares. */
export function subLogits(p: NetParams, h: tf.Tensor2D): tf.Tensor2D {
  return mm(h, tf.transpose(p.wte));
}
