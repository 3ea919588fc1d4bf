/**
 * The first block of a suffix rerun when its receivers are heads (q, k, v or z inputs): everything entering it is
 * the clean run's, so only the receiver heads' outputs can differ there.
 *
 * Why it is exact: the block's input residual is clean at every rerun position (the rerun starts at the lowest
 * receiver layer), so every head's q, k, v are the clean ones but at the receivers' patched pairs, and every
 * other head's z is the clean one. The attention output is then the clean one plus Σ over receiver heads of
 * (z_new − z_clean)·W_O[h]; the MLP runs on that as in the block. It skips the block's QKV and output projections
 * (4 of its 12·d² multiply-adds per position), reading the clean run's q, k, v, z and resid_mid instead.
 */
import * as tf from '@tensorflow/tfjs';
import { repeat, type GPT2Weights, type HookRunner, type ModelConfig } from '../../model/index.js';
import { lnRows, mlpRows } from './rows.js';
import type { Site } from './sites.js';
import { suffixCore, type SharedPast } from './suffix.js';

/** The clean run's activations of the entry block at the suffix positions of a rerun group, [|G|, P, …]. */
export interface EntryActivations {
  q: tf.Tensor4D;
  k: tf.Tensor4D;
  v: tf.Tensor4D;
  z: tf.Tensor4D;
  mid: tf.Tensor3D;
}

/** Hook names the clean run must keep whole for an entry block at layer l. */
export function entryNames(l: number): string[] {
  return ['q', 'k', 'v', 'z'].map((x) => `blocks.${l}.attn.hook_${x}`).concat(`blocks.${l}.hook_resid_mid`);
}

/** The receiver heads of layer l when every site there is a head input (else null: rerun the whole block). */
export function entryHeads(S: Site[], l: number): number[] | null {
  const here = S.filter((s) => s.layer === l);
  return here.length && here.every((s) => s.kind !== 'resid') ? [...new Set(here.flatMap((s) => s.heads))].sort((a, b) => a - b) : null;
}

/**
 * The entry block's output [n·B, P, D] for n senders × B rows (sender-major), `hooks` patching the receivers'
 * q/k/v/z at their pairs.
 */
export function entryBlock(
  W: GPT2Weights, c: ModelConfig, l: number, e: EntryActivations, heads: number[], n: number, B: number, past: SharedPast | null, hooks: HookRunner,
): tf.Tensor3D {
  return tf.tidy(() => {
    const { dHead: dh, dModel: D } = c;
    const P = e.mid.shape[1];
    const N = n * B;
    const p = `blocks.${l}.attn`;
    const q = hooks.apply(`${p}.hook_q`, l, repeat(e.q, n));
    const k = hooks.apply(`${p}.hook_k`, l, repeat(e.k, n));
    const v = hooks.apply(`${p}.hook_v`, l, repeat(e.v, n));
    const z = hooks.apply(`${p}.hook_z`, l, suffixCore(n, B, P, past)(l, q, k, v, hooks)); // [N, P, H, dh]
    // The receiver heads' z (slices: tf.gather is slow on wasm), less the clean z broadcast over the senders.
    const recv = (t: tf.Tensor): tf.Tensor => tf.concat(heads.map((h) => tf.slice(t, [0, 0, h, 0], [-1, -1, 1, dh])), 2); // [·, P, R, dh]
    const dz = tf.sub(tf.reshape(recv(z), [n, B * P, heads.length * dh]), tf.reshape(recv(e.z), [B * P, heads.length * dh])); // [n, B·P, R·dh]
    const wo = tf.concat(heads.map((h) => tf.slice(W.blocks[l].cProjW, [h * dh, 0], [dh, D])), 0) as tf.Tensor2D; // [R·dh, D]
    const out = tf.reshape(tf.matMul(tf.reshape(dz, [N * P, heads.length * dh]), wo), [n, B * P, D]);
    const mid = tf.reshape(tf.add(tf.reshape(e.mid, [B * P, D]), out), [N * P, D]) as tf.Tensor2D;
    return tf.reshape(tf.add(mid, mlpRows(W, l, lnRows(mid, W.blocks[l].ln2, c.layerNormEps))), [N, P, D]) as tf.Tensor3D;
  });
}
