/**
 * Suffix reruns: the second pass of path patching for many senders at once, computing only what can change.
 *
 * Why it is exact: pass 2 patches receiver activations at receiver positions of one layer (or more) and reads the
 * logits at END. Everything below the first patched layer is the clean run, and so is every position before the
 * first patched position of each prompt (attention is causal). So a rerun starts at block `fromLayer` from the
 * clean residual, recomputes only positions start[b]..len[b]−1 of each prompt, and reads the keys/values of the
 * earlier positions from the clean run.
 *
 * Why it is cheap: the n senders of a chunk share those clean keys/values. Rather than tiling them n times (the
 * old per-access copy that made system time exceed user time), the core folds the sender axis into the query
 * axis for the shared part: q [n·B, H, P, dh] is viewed as [B, H, n·P, dh] and multiplied once by the clean
 * keys [B, H, dh, Kp]. Only the suffix's own keys are per sender. The softmax runs over [past | suffix] keys
 * jointly, so the result equals the full forward's attention up to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { causalMask, layerNorm, linear, runBlocks, type AttentionCore, type GPT2Weights, type HookRunner, type ModelConfig } from '../../model/index.js';
import { lnRows, mlpRows } from './rows.js';

/** Per prompt row b of a batch: the first recomputed position and the real length. */
export interface SuffixGeometry {
  start: number[];
  len: number[];
  /** Suffix length: max over rows of len − start (shorter rows are padded at the end, never attended to). */
  P: number;
  /** Shared past length: max over rows of start (row b masks past positions ≥ start[b]). */
  Kp: number;
}

export function suffixGeometry(start: number[], len: number[]): SuffixGeometry {
  return { start, len, P: Math.max(...len.map((l, b) => l - start[b])), Kp: Math.max(...start) };
}

/** Padded rows may exceed a group's real suffix rows by this fraction. */
const GROUP_SLACK = 0.1;

/**
 * The rows of a batch in rerun groups: a rerun pads every row to its group's longest suffix, and prompts of mixed
 * templates have very different suffixes (IOI: from S2 at 8-13 to the end at 14-20; one padded group computes
 * ~1.3× the real rows). Greedy over rows sorted by suffix length: a group takes the next row while its padded
 * rows stay within GROUP_SLACK of its real ones. Exact whatever the grouping (rows never interact); the cost model
 * (cost.ts) groups the same way.
 */
export function suffixGroups(start: number[], len: number[]): number[][] {
  const suffix = (b: number): number => len[b] - start[b];
  const rows = start.map((_, b) => b).sort((a, b) => suffix(a) - suffix(b) || a - b);
  const groups: number[][] = [];
  let real = 0;
  for (const b of rows) {
    const g = groups[groups.length - 1];
    if (g && (g.length + 1) * suffix(b) <= (1 + GROUP_SLACK) * (real + suffix(b))) {
      g.push(b);
      real += suffix(b);
    } else {
      groups.push([b]);
      real = suffix(b);
    }
  }
  return groups;
}

/** The clean run's keys/values before each row's suffix, per layer ≥ fromLayer, laid out for the core. */
export interface SharedPast {
  kT: Map<number, tf.Tensor4D>; // layer → [B, H, dh, Kp]
  v: Map<number, tf.Tensor4D>; // layer → [B, H, Kp, dh]
  mask: tf.Tensor4D; // [B, 1, 1, Kp]: 0 for j < start[b], −inf after
  dispose(): void;
}

/**
 * Builds the shared past from clean keys/values [B, K, H, dh] per layer (called inside a tidy: whatever `kv` makes
 * is freed; the caller keeps the tensors it passes through).
 */
export function sharedPast(g: SuffixGeometry, kv: (layer: number) => { k: tf.Tensor; v: tf.Tensor }, layers: number[]): SharedPast | null {
  if (g.Kp === 0) return null;
  const kT = new Map<number, tf.Tensor4D>();
  const v = new Map<number, tf.Tensor4D>();
  for (const l of layers) {
    tf.tidy(() => {
      const { k: kl, v: vl } = kv(l);
      const [B, , H, dh] = kl.shape as number[];
      kT.set(l, tf.keep(tf.transpose(tf.slice(kl as tf.Tensor4D, [0, 0, 0, 0], [B, g.Kp, H, dh]), [0, 2, 3, 1])));
      v.set(l, tf.keep(tf.transpose(tf.slice(vl as tf.Tensor4D, [0, 0, 0, 0], [B, g.Kp, H, dh]), [0, 2, 1, 3])));
    });
  }
  const B = g.start.length;
  const m = new Float32Array(B * g.Kp);
  g.start.forEach((s, b) => { for (let j = s; j < g.Kp; j++) m[b * g.Kp + j] = -Infinity; });
  const mask = tf.tensor4d(m, [B, 1, 1, g.Kp]);
  return {
    kT, v, mask,
    dispose: () => {
      for (const t of [...kT.values(), ...v.values(), mask]) t.dispose();
    },
  };
}

/** [n·B, …] ↔ [B, …, n·P, …]: move the sender axis (outermost) next to the position axis, via a rank-3 transpose. */
function fold(x: tf.Tensor, n: number, B: number, H: number, P: number, w: number): tf.Tensor4D {
  return tf.reshape(tf.transpose(tf.reshape(x, [n, B * H, P * w]), [1, 0, 2]), [B, H, n * P, w]) as tf.Tensor4D;
}
function unfold(x: tf.Tensor, n: number, B: number, H: number, P: number, w: number): tf.Tensor4D {
  return tf.reshape(tf.transpose(tf.reshape(x, [B * H, n, P * w]), [1, 0, 2]), [n * B, H, P, w]) as tf.Tensor4D;
}

/** The attention core of a suffix rerun of n senders × B prompts (rows sender-major: row = j·B + b). */
export function suffixCore(n: number, B: number, P: number, past: SharedPast | null): AttentionCore {
  // Its own tidy: the attention temporaries are freed before the block's MLP runs (reruns hold many rows).
  return (l, q, k, v) => tf.tidy(() => {
    const qh = tf.transpose(q, [0, 2, 1, 3]) as tf.Tensor4D; // [nB, H, P, dh]
    const kh = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D;
    const vh = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D;
    return tf.transpose(attendWithPast(l, qh, kh, vh, causalMask(P, P, 0), n, B, past), [0, 2, 1, 3]); // [nB, P, H, dh]
  });
}

/**
 * Attention of queries qh [nB, H, Pq, dh] over [the shared past | the rows' own keys kh, vh [nB, H, P, dh]] under
 * `ownMask` (broadcast to [nB, H, Pq, P]): one softmax over both parts, the sender axis folded into the query axis
 * for the past, so the past's keys/values are never copied per sender. → z [nB, H, Pq, dh].
 */
function attendWithPast(
  l: number, qh: tf.Tensor4D, kh: tf.Tensor4D, vh: tf.Tensor4D, ownMask: tf.Tensor, n: number, B: number, past: SharedPast | null,
): tf.Tensor4D {
  const [N, H, Pq, dh] = qh.shape;
  const P = kh.shape[2];
  const q = tf.mul(qh, 1 / Math.sqrt(dh)) as tf.Tensor4D;
  const own = tf.add(tf.matMul(q, kh, false, true), ownMask); // [nB, H, Pq, P]
  if (!past) return tf.matMul(tf.softmax(own, -1), vh) as tf.Tensor4D;
  const Kp = past.mask.shape[3];
  const shared = unfold(tf.add(tf.matMul(fold(q, n, B, H, Pq, dh), past.kT.get(l)!), past.mask), n, B, H, Pq, Kp); // [nB, H, Pq, Kp]
  const pattern = tf.softmax(tf.concat([shared, own], 3), -1); // [nB, H, Pq, Kp + P]
  const pShared = tf.slice(pattern, [0, 0, 0, 0], [N, H, Pq, Kp]);
  const pOwn = tf.slice(pattern, [0, 0, 0, Kp], [N, H, Pq, P]);
  return tf.add(unfold(tf.matMul(fold(pShared, n, B, H, Pq, Kp), past.v.get(l)!), n, B, H, Pq, dh), tf.matMul(pOwn, vh)) as tf.Tensor4D;
}

/**
 * Blocks fromLayer.. on x [n·B, P, D] (the clean residual at the suffix positions, one copy per sender) with
 * `hooks` patching the receivers; → the final residual [n·B, P, D] (caller disposes).
 */
export function suffixRerun(
  W: GPT2Weights, c: ModelConfig, x: tf.Tensor3D, fromLayer: number, n: number, B: number, past: SharedPast | null, hooks: HookRunner,
): tf.Tensor3D {
  return runBlocks(W, c, x, fromLayer, suffixCore(n, B, x.shape[1], past), hooks);
}

/**
 * suffixRerun, reading only each row's END after the final block: the last block computes keys/values at every
 * suffix position (END attends to them) but its query, attention output and MLP only at END, since nothing reads
 * the other positions of the last layer (~9/12 of that block's work saved on those rows). Exact: END's row is
 * computed by the same operations as in the full block. Only for reruns with no patch in the last layer.
 * ends[b]: END's index in row b's suffix (prompt-major within a sender, as x). → [n·B, D] (caller disposes).
 */
export function suffixRerunEnds(
  W: GPT2Weights, c: ModelConfig, x: tf.Tensor3D, fromLayer: number, n: number, B: number, past: SharedPast | null, hooks: HookRunner, ends: number[],
): tf.Tensor2D {
  const L = c.nLayers;
  const P = x.shape[1];
  const resid = runBlocks(W, c, x, fromLayer, suffixCore(n, B, P, past), hooks, L - 1); // [n·B, P, D]
  try {
    return tf.tidy(() => {
      const l = L - 1;
      const bw = W.blocks[l];
      const { nHeads: H, dHead: dh, dModel: D } = c;
      const N = n * B;
      const idx = tf.tensor1d(Array.from({ length: N }, (_, r) => r * P + ends[r % B]), 'int32');
      const qkv = linear(tf.reshape(layerNorm(resid, bw.ln1, c.layerNormEps, 'path', null), [N * P, D]), bw.cAttnW, bw.cAttnB); // [N·P, 3D]
      const heads = (t: tf.Tensor, rows: number): tf.Tensor4D => tf.transpose(tf.reshape(t, [N, rows, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D; // [N, H, rows, dh]
      const qh = heads(tf.gather(tf.slice(qkv, [0, 0], [N * P, D]), idx), 1); // [N, H, 1, dh]
      const kh = heads(tf.slice(qkv, [0, D], [N * P, D]), P);
      const vh = heads(tf.slice(qkv, [0, 2 * D], [N * P, D]), P);
      const m = new Float32Array(N * P);
      for (let r = 0; r < N; r++) for (let j = ends[r % B] + 1; j < P; j++) m[r * P + j] = -Infinity;
      const z = attendWithPast(l, qh, kh, vh, tf.tensor4d(m, [N, 1, 1, P]), n, B, past); // [N, H, 1, dh]
      const attnOut = linear(tf.reshape(tf.transpose(z, [0, 2, 1, 3]), [N, D]), bw.cProjW, bw.cProjB); // [N, D]
      const mid = tf.add(tf.gather(tf.reshape(resid, [N * P, D]), idx), attnOut) as tf.Tensor2D;
      return tf.add(mid, mlpRows(W, l, lnRows(mid, bw.ln2, c.layerNormEps))) as tf.Tensor2D;
    });
  } finally {
    resid.dispose();
  }
}
