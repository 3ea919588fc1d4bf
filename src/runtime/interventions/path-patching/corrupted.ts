/**
 * The corrupted capture run of path patching, computed only from where each prompt's corruption begins.
 *
 * Why it is exact: a corrupted prompt shares its tokens with the clean one up to the first changed token (IOI's
 * S2 flip: everything before S2; Colored Objects: everything before the question object at 57), and attention is
 * causal, so every activation at those positions equals the clean run's. The corrupted run therefore starts at
 * that position in each prompt, reading the clean keys/values of the shared prefix through suffix.ts's core (one
 * "sender"); hook_z rows at pairs inside the prefix are the clean ones. It computes Σ(len − start) positions
 * instead of B × K: ~30% of a forward on IOI, ~8% on Colored Objects.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows, runBlocks, type GPT2Weights, type HookRunner, type ModelConfig } from '../../model/index.js';
import type { Versus } from '../../metrics/logit-diff.js';
import type { Prompt, PromptSet } from '../../tasks/types.js';
import { lnRows, logitRows, type Pair } from './rows.js';
import { sharedPast, suffixCore, suffixGeometry, suffixGroups } from './suffix.js';

/** What the corrupted run yields: hook_z rows at the pairs per layer [nP, H·dh] (kept) and each row's logit difference. */
export interface CorruptedCapture {
  z: tf.Tensor2D[];
  ld: number[];
}

export interface CorruptedInput {
  set: PromptSet;
  prompts: Prompt[];
  /** Corrupted token ids per row (unpadded). */
  tokens: number[][];
  /** First recomputed position per row (divergence). */
  start: number[];
  pairs: Pair[];
  /** The clean run's keys/values [B, K, H, dh] at a layer (kept by the caller). */
  cleanKV: (layer: number) => { k: tf.Tensor; v: tf.Tensor };
  /** The clean run's hook_z rows at the pairs [nP, H·dh] at a layer (kept by the caller). */
  cleanZ: (layer: number) => tf.Tensor2D;
  versus: Versus | undefined;
}

export async function corruptedSuffixRun(W: GPT2Weights, c: ModelConfig, inp: CorruptedInput): Promise<CorruptedCapture> {
  const { tokens, start, pairs } = inp;
  const L = c.nLayers;
  const D = c.dModel;
  const lengths = tokens.map((t) => t.length);
  const ld = new Array<number>(tokens.length).fill(NaN);
  // Per layer: the pieces whose rows are concatenated, and per pair the row of that concatenation it reads.
  const pieces: tf.Tensor2D[][] = Array.from({ length: L }, () => []);
  const offsets: number[] = [pairs.length];
  const at = pairs.map((_, i) => i); // pairs in the shared prefix read the clean rows (the first piece)
  try {
    for (const G of suffixGroups(start, lengths)) {
      const g = suffixGeometry(G.map((b) => start[b]), G.map((b) => lengths[b]));
      const local = new Map(G.map((b, j) => [b, j]));
      const inGroup = pairs.flatMap((p, i) => (local.has(p.row) && p.pos >= start[p.row] ? [{ i, r: local.get(p.row)! * g.P + p.pos - start[p.row] }] : []));
      const base = offsets[offsets.length - 1];
      inGroup.forEach((p, k) => { at[p.i] = base + k; });
      offsets.push(base + inGroup.length);
      const capture = inGroup.length ? tf.tensor1d(inGroup.map((p) => p.r), 'int32') : null;
      const hooks: HookRunner = {
        wants: (name) => capture !== null && name.endsWith('.attn.hook_z'),
        apply: (name, l, x) => {
          if (capture && l !== null && name.endsWith('.attn.hook_z')) {
            pieces[l].push(tf.keep(tf.gather(tf.reshape(x, [G.length * g.P, D]), capture)) as tf.Tensor2D);
          }
          return x;
        },
      };
      const past = sharedPast(g, (l) => {
        const { k, v } = inp.cleanKV(l);
        const rows = tf.tensor1d(G, 'int32');
        return { k: tf.gather(k, rows), v: tf.gather(v, rows) };
      }, Array.from({ length: L }, (_, l) => l));
      try {
        const normed = tf.tidy(() => {
          const tok: number[] = [];
          const pos: number[] = [];
          G.forEach((b, j) => {
            for (let i = 0; i < g.P; i++) {
              const p = Math.min(g.start[j] + i, g.len[j] - 1); // rows past their end repeat the last token
              tok.push(tokens[b][p]);
              pos.push(p);
            }
          });
          const x = tf.reshape(tf.add(gatherRows(W.wte, tf.tensor1d(tok, 'int32')), gatherRows(W.wpe, tf.tensor1d(pos, 'int32'))), [G.length, g.P, D]) as tf.Tensor3D;
          const resid = runBlocks(W, c, x, 0, suffixCore(1, G.length, g.P, past), hooks);
          const ends = G.map((_, j) => j * g.P + g.len[j] - 1 - g.start[j]);
          return lnRows(tf.gather(tf.reshape(resid, [G.length * g.P, D]), tf.tensor1d(ends, 'int32')), W.lnF, c.layerNormEps);
        });
        const prompts = G.map((b) => inp.prompts[b]);
        (await logitRows(W, inp.set, prompts, G.map((_, j) => ({ row: j, pos: 0 })), 1, normed, inp.versus)).forEach((v, j) => { ld[G[j]] = v; });
      } finally {
        capture?.dispose();
        past?.dispose();
      }
    }
    const z = tf.tidy(() => {
      const idx = tf.tensor1d(at, 'int32');
      return Array.from({ length: L }, (_, l) => tf.gather(tf.concat([inp.cleanZ(l), ...pieces[l]], 0), idx) as tf.Tensor2D);
    });
    return { z, ld };
  } finally {
    pieces.flat().forEach((t) => t.dispose());
  }
}

/** Positions the corrupted run computes for rows with these divergences (as fast.ts groups them), for costs. */
export function corruptedPositions(start: number[], lengths: number[]): number {
  return suffixGroups(start, lengths).reduce((n, G) => n + G.length * suffixGeometry(G.map((b) => start[b]), G.map((b) => lengths[b])).P, 0);
}
