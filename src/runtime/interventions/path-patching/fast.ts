/**
 * Path patching for every sender at once; equal to literal.ts (the definition) up to float rounding.
 *
 * Pass 1 without reruns. With every other head frozen, a sender patched at position p changes the residual stream
 * only at p, by Δ = (z_corrupted − z_clean)·W_O, plus what the MLPs at p make of it (unless frozen). So from one
 * clean and one corrupted run, capturing only the rows at the (sender ∩ receiver) positions, every receiver's
 * patched value follows for all senders of a layer in a few row-wise ops: residual receivers are clean + Δ, head
 * receivers are LN1(resid_pre + Δ)·W_{Q|K|V}, and z receivers attend over clean keys/values with the changed
 * rows swapped in. Logit receivers stop here: LN_final(resid + Δ)·W_U at END, for the answer ids only.
 *
 * Pass 2 for receivers inside the model reruns only what can change (suffix.ts): from the first layer a sender can
 * reach, only the positions from each prompt's first receiver position on, senders stacked along the batch axis
 * and sharing the clean keys/values of earlier positions, reading logits only at END for the answer ids. Its first
 * block computes only the receiver heads' change (entry-block.ts) and its last only END (suffixRerunEnds).
 * Cost per sender ≈ (suffix length / prompt length) × (layers rerun / layers) of a forward of its prompts.
 *
 * The capture runs: the clean one whole (pass 2 reads its keys/values and residuals), the corrupted one only from
 * where each prompt's corruption begins (corrupted.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { repeat, type GPT2Weights, type Hook, type HookRunner, type ModelConfig } from '../../model/index.js';
import { divergence, requireCorrupted, rolePositions, rolesPositions, type Batch } from '../../experiments/batches.js';
import { batchesOf, countPositions, progress, taskOf } from '../../experiments/context.js';
import { readSummaries, type LogitSummary } from '../../experiments/logits.js';
import type { ExperimentContext, Head } from '../../experiments/types.js';
import { logitDiff, type Versus } from '../../metrics/logit-diff.js';
import { headInput, lnRows, logitRows, mlpRows, type Pair } from './rows.js';
import type { Prompt, PromptSet } from '../../tasks/types.js';
import { checkPathPatch, emptyPatched, senderList, senderPositionsOf, type PathPatchOptions, type PathPatchResult } from './common.js';
import { corruptedPositions, corruptedSuffixRun } from './corrupted.js';
import { entryBlock, entryHeads, entryNames, type EntryActivations } from './entry-block.js';
import { lastBlockUnpatched, rerunPositions, sites, type Site } from './sites.js';
import { sharedPast, suffixGeometry, suffixGroups, suffixRerun, suffixRerunEnds, type SuffixGeometry } from './suffix.js';

const zName = (l: number): string => `blocks.${l}.attn.hook_z`;
const preName = (l: number): string => `blocks.${l}.hook_resid_pre`;
const midName = (l: number): string => `blocks.${l}.hook_resid_mid`;
const postName = (l: number): string => `blocks.${l}.hook_resid_post`;
const mlpName = (l: number): string => `blocks.${l}.hook_mlp_out`;

/**
 * Rows × positions one suffix rerun holds at once: at most RERUN_ROWS, and few enough that one MLP activation
 * [rows, d_mlp] stays under RERUN_FLOATS (GPT-2 medium: 2048 rows, 32 MiB per activation). The wasm heap is 4 GiB
 * with the weights in it, and a block's temporaries live until the block ends.
 */
export const RERUN_ROWS = 8192;
const RERUN_FLOATS = 1 << 23;

export async function pathPatchFast(ctx: ExperimentContext, task: string, opts: PathPatchOptions): Promise<PathPatchResult> {
  const c = ctx.model.config;
  const set = taskOf(ctx, task);
  checkPathPatch(opts, c, set);
  requireCorrupted(set, 'path patching');
  const senders = senderList(c, opts);
  const result: PathPatchResult = { clean: [], corrupted: [], patched: emptyPatched(c), batchSizes: [] };
  const batches = batchesOf(ctx, task);
  for (const batch of batches) {
    const { clean, corrupted, patched } = await fastBatch(ctx, set, batch, opts, senders);
    result.clean.push(...clean);
    result.corrupted.push(...corrupted);
    result.batchSizes.push(clean.length);
    // Senders with no path to the receivers keep the clean logit difference (score 0).
    for (const s of senders) result.patched[s.layer][s.head].push(...(patched.get(`${s.layer}.${s.head}`) ?? clean));
    progress(ctx, `${task}: path patching`, batch.index + 1, batches.length);
  }
  return result;
}

/** Captured activations of one run: rows at the pairs [nP, …] and whole tensors, all kept until dispose. */
class Captured {
  readonly rows = new Map<string, tf.Tensor2D>();
  readonly whole = new Map<string, tf.Tensor>();
  hooks(rowNames: string[], wholeNames: string[], pairs: Pair[]): Hook[] {
    const hooks: Hook[] = [];
    for (const name of new Set(rowNames)) {
      hooks.push({
        name,
        fn: (x) => {
          const [B, P] = x.shape;
          const inner = x.size / (B * P);
          const idx = tf.tensor1d(pairs.map((p) => p.row * P + p.pos), 'int32');
          this.rows.set(name, tf.keep(tf.gather(tf.reshape(x, [B * P, inner]), idx)) as tf.Tensor2D); // [nP, inner]
        },
      });
    }
    for (const name of new Set(wholeNames)) hooks.push({ name, fn: (x) => { this.whole.set(name, tf.keep(tf.clone(x))); } });
    return hooks;
  }
  dispose(): void {
    for (const t of [...this.rows.values(), ...this.whole.values()]) t.dispose();
  }
}

async function fastBatch(
  ctx: ExperimentContext, set: PromptSet, batch: Batch, opts: PathPatchOptions, senders: Head[],
): Promise<{ clean: number[]; corrupted: number[]; patched: Map<string, number[]> }> {
  const { model } = ctx;
  const c = model.config;
  const W = model.weights;
  const recv = opts.receivers;
  const B = batch.prompts.length;
  const K = Math.max(...batch.lengths);
  const ld = (s: LogitSummary): number => logitDiff(s, opts.versus);

  // Pairs: the (row, position) where a sender's change can reach a receiver (every other head is frozen).
  const recvPos = recv === 'logits' ? rolePositions(set, batch.prompts, 'END').map((p) => [p]) : rolesPositions(set, batch.prompts, recv.positions);
  const sp = senderPositionsOf(opts);
  const sendPos = sp ? rolesPositions(set, batch.prompts, sp).map((ps) => new Set(ps)) : null;
  const pairs: Pair[] = [];
  recvPos.forEach((ps, row) => ps.forEach((pos) => { if (!sendPos || sendPos[row].has(pos)) pairs.push({ row, pos }); }));

  const S = sites(recv, c);
  // Δ at a site of layer m includes the MLPs below m (resid_post of m−1 is the site of layer m); logits, all of them.
  const mlpTop = recv === 'logits' ? c.nLayers - 1 : Math.max(...S.map((s) => s.layer)) - 1;
  const mlpLayers = opts.freezeMlps ? [] : Array.from({ length: mlpTop + 1 }, (_, l) => l);
  const active = recv === 'logits' ? senders : senders.filter((s) => S.some((site) => site.reach(s.layer)));
  const startLayers = [...new Set(active.map((s) => startLayer(S, s.layer)))];
  const firstStart = Math.min(...startLayers, c.nLayers);
  const geo = pairs.length ? geometry(pairs, batch.lengths) : null;

  const clean = new Captured();
  const corr = new Captured();
  const layers = Array.from({ length: c.nLayers }, (_, l) => l);
  const rowNames = [
    ...layers.map(zName), ...mlpLayers.flatMap((l) => [midName(l), mlpName(l)]), ...S.flatMap((s) => s.rowNames),
    ...(recv === 'logits' ? [postName(c.nLayers - 1)] : []),
  ];
  // The corrupted run starts where each prompt's corruption does (corrupted.ts): it reads the clean keys/values
  // of every layer before that position.
  const diverge = divergence(batch.clean, batch.corrupted!);
  const kvName = (l: number): string[] => [`blocks.${l}.attn.hook_k`, `blocks.${l}.attn.hook_v`];
  const wholeNames = [
    ...layers.flatMap(kvName),
    ...(recv === 'logits' ? [] : [
      ...startLayers.flatMap((l) => (entryHeads(S, l) ? entryNames(l) : [l < c.nLayers ? preName(l) : postName(c.nLayers - 1)])),
      ...S.flatMap((s) => s.wholeNames),
    ]),
  ];
  try {
    const cleanRun = await model.runWithHooks(batch.clean, { hooks: clean.hooks(rowNames, wholeNames, pairs), logitsAt: 'last' });
    const cleanLd = (await readSummaries(cleanRun.logits, set, batch.prompts)).map(ld);
    cleanRun.logits.dispose();
    const run = await corruptedSuffixRun(W, c, {
      set, prompts: batch.prompts, tokens: batch.corrupted!, start: diverge, pairs, versus: opts.versus,
      cleanKV: (l) => ({ k: clean.whole.get(kvName(l)[0])!, v: clean.whole.get(kvName(l)[1])! }),
      cleanZ: (l) => clean.rows.get(zName(l))!,
    });
    run.z.forEach((z, l) => corr.rows.set(zName(l), z));
    const corrLd = run.ld;
    // Keys/values below the first rerun layer were only for the corrupted run.
    for (const l of layers.filter((l) => recv === 'logits' || l < firstStart)) for (const n of kvName(l)) { clean.whole.get(n)!.dispose(); clean.whole.delete(n); }
    countPositions(ctx, B * K + corruptedPositions(diverge, batch.lengths));
    const patched = new Map<string, number[]>();
    if (!pairs.length || !active.length) return { clean: cleanLd, corrupted: corrLd, patched };

    // Pass 1: per sender layer, Δ [H_s·nP, D] carried through the MLPs; each site's patched values.
    const values = new SiteValues(S, active);
    try {
      for (const l of [...new Set(active.map((s) => s.layer))].sort((a, b) => a - b)) {
        const heads = active.filter((s) => s.layer === l).map((s) => s.head);
        const final = passOne(W, c, l, heads, pairs, clean, corr, S, mlpLayers, values, recv === 'logits');
        if (!final) continue;
        (await logitRows(W, set, batch.prompts, pairs, heads.length, final, opts.versus)).forEach((v, i) => {
          const h = heads[Math.floor(i / pairs.length)];
          const row = pairs[i % pairs.length].row;
          const per = patched.get(`${l}.${h}`) ?? cleanLd.slice();
          per[row] = v;
          patched.set(`${l}.${h}`, per);
        });
      }
      if (recv === 'logits') return { clean: cleanLd, corrupted: corrLd, patched };
      values.freeze();
      // Pass 2: suffix reruns, per group of rows of like suffix length, senders grouped by the first layer they
      // reach, in chunks.
      const rows = opts.rerunRows ?? Math.min(RERUN_ROWS, Math.floor(RERUN_FLOATS / c.dMlp));
      for (const G of suffixGroups(geo!.start, geo!.len)) {
        const g = suffixGeometry(G.map((b) => geo!.start[b]), G.map((b) => geo!.len[b]));
        const local = new Map(G.map((b, j) => [b, j]));
        const gPairs = pairs.flatMap((p, i) => (local.has(p.row) ? [{ row: local.get(p.row)!, pos: p.pos, i }] : []));
        const rowIdx = (): tf.Tensor1D => tf.tensor1d(G, 'int32');
        const past = sharedPast(g, (l) => ({ k: tf.gather(clean.whole.get(`blocks.${l}.attn.hook_k`)!, rowIdx()), v: tf.gather(clean.whole.get(`blocks.${l}.attn.hook_v`)!, rowIdx()) }),
          layers.filter((l) => l >= firstStart));
        try {
          const chunk = Math.max(1, Math.floor(rows / (G.length * g.P)));
          for (const from of startLayers.sort((a, b) => a - b)) {
            const group = active.filter((s) => startLayer(S, s.layer) === from);
            const heads = entryHeads(S, from);
            const at = (name: string): tf.Tensor => suffixInput(clean.whole.get(name)!, g, G);
            const [q, k, v, z, mid] = heads ? entryNames(from).map(at) : [];
            const input: RerunInput = heads
              ? { heads, entry: { q, k, v, z, mid } as EntryActivations }
              : { resid: at(from < c.nLayers ? preName(from) : postName(c.nLayers - 1)) as tf.Tensor3D };
            try {
              for (let i = 0; i < group.length; i += chunk) {
                const part = group.slice(i, i + chunk);
                const lds = await rerunChunk(W, c, set, G.map((b) => batch.prompts[b]), part, from, input, g, gPairs, S, values, past, opts.versus);
                countPositions(ctx, rerunPositions(part.length * G.length, g.P, from, c.nLayers, { endsOnly: lastBlockUnpatched(S, c.nLayers), entry: !!heads }));
                part.forEach((s, j) => {
                  const key = `${s.layer}.${s.head}`;
                  const per = patched.get(key) ?? new Array<number>(B).fill(NaN);
                  G.forEach((b, k) => { per[b] = lds[j * G.length + k]; });
                  patched.set(key, per);
                });
              }
            } finally {
              for (const t of input.heads ? Object.values(input.entry) : [input.resid]) t.dispose();
            }
          }
        } finally {
          past?.dispose();
        }
      }
      return { clean: cleanLd, corrupted: corrLd, patched };
    } finally {
      values.dispose();
    }
  } finally {
    clean.dispose();
    corr.dispose();
  }
}

/** The first layer whose block a sender's patch enters (its lowest reachable site). */
function startLayer(S: Site[], senderLayer: number): number {
  return Math.min(...S.filter((s) => s.reach(senderLayer)).map((s) => s.layer));
}

/** Per prompt row: recompute from its first pair's position (rows without pairs: only their last token). */
function geometry(pairs: Pair[], lengths: number[]): SuffixGeometry {
  const start = lengths.map((len, row) => Math.min(len - 1, ...pairs.filter((p) => p.row === row).map((p) => p.pos)));
  return suffixGeometry(start, lengths);
}

/**
 * A clean activation [B, K, …] at the suffix positions of rows `G` (row j of the group is batch row G[j]) →
 * [|G|, P, …] (rows past their length repeat the last).
 */
function suffixInput(whole: tf.Tensor, g: SuffixGeometry, G: number[]): tf.Tensor {
  const [B, K, ...rest] = whole.shape as number[];
  const idx: number[] = [];
  G.forEach((b, j) => { for (let i = 0; i < g.P; i++) idx.push(b * K + Math.min(g.start[j] + i, K - 1)); });
  return tf.tidy(() => tf.reshape(tf.gather(tf.reshape(whole, [B * K, -1]), tf.tensor1d(idx, 'int32')), [G.length, g.P, ...rest]));
}

/** What a rerun starts from: the clean residual before its first block, or that block's clean activations (entry-block.ts). */
type RerunInput = { heads?: undefined; resid: tf.Tensor3D } | { heads: number[]; entry: EntryActivations };

/**
 * Each site's patched values for every active sender, [nSenders, nP, width] in `active` order (kept tensors).
 * Senders a site is out of reach of get its clean values.
 */
class SiteValues {
  private readonly parts = new Map<string, tf.Tensor[]>();
  readonly all = new Map<string, tf.Tensor3D>();
  readonly index: Map<string, number>;
  constructor(private readonly S: Site[], private readonly active: Head[]) {
    this.index = new Map(active.map((s, i) => [`${s.layer}.${s.head}`, i]));
  }
  add(key: string, v: tf.Tensor3D): void {
    this.parts.set(key, [...(this.parts.get(key) ?? []), tf.keep(v)]);
  }
  /** Concatenate the per-layer parts, in `active` order (layers ascending, as passOne is called). */
  freeze(): void {
    for (const [key, list] of this.parts) {
      this.all.set(key, tf.keep(tf.concat(list, 0)) as tf.Tensor3D);
      list.forEach((t) => t.dispose());
    }
    this.parts.clear();
  }
  dispose(): void {
    for (const list of this.parts.values()) list.forEach((t) => t.dispose());
    for (const t of this.all.values()) t.dispose();
  }
}

/** Pass 1 for the senders `heads` of layer l; for logit receivers, → the normalised final rows (caller disposes). */
function passOne(
  W: GPT2Weights, c: ModelConfig, l: number, heads: number[], pairs: Pair[], clean: Captured, corr: Captured,
  S: Site[], mlpLayers: number[], values: SiteValues, final: boolean,
): tf.Tensor2D | null {
  const nP = pairs.length;
  const n = heads.length;
  const { dHead: dh, dModel: D } = c;
  // base [nP, w] + or − rows [n·nP, w] (one block per sender), broadcast rather than copied n times.
  const perSender = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (base: tf.Tensor2D, rows: tf.Tensor2D): tf.Tensor2D =>
    tf.reshape(f(tf.reshape(rows, [n, nP, -1]), base), [n * nP, -1]);
  const plus = perSender((r, b) => tf.add(b, r));
  const minus = perSender((r, b) => tf.sub(r, b)); // rows − base
  const tile = (x: tf.Tensor2D): tf.Tensor2D => repeat(x, n);
  const put = (key: string, v: tf.Tensor2D, width: number): void => values.add(key, tf.reshape(v, [n, nP, width]) as tf.Tensor3D);
  const cleanRows = (key: string, base: tf.Tensor2D, width: number): void => values.add(key, tf.reshape(tile(base), [n, nP, width]) as tf.Tensor3D);
  // One tidy per layer step: only Δ [n·nP, D] lives across steps (and the site values, kept by SiteValues).
  let delta = tf.tidy(() => {
    const dz = tf.sub(corr.rows.get(zName(l))!, clean.rows.get(zName(l))!); // [nP, H·dh]
    return tf.concat(heads.map((h) => tf.matMul(
      tf.slice(dz, [0, h * dh], [nP, dh]), tf.slice(W.blocks[l].cProjW, [h * dh, 0], [dh, D]),
    )), 0) as tf.Tensor2D; // [n·nP, D], row = j·nP + pair
  });
  const top = final ? c.nLayers - 1 : Math.min(Math.max(...S.map((s) => s.layer)), c.nLayers - 1);
  const done = new Set<Site>();
  const visit = (site: Site): void => {
    done.add(site);
    tf.tidy(() => siteValues(W, c, site, l, delta, clean, pairs, plus, put, cleanRows));
  };
  try {
    for (let m = l; m <= top; m++) {
      S.filter((s) => s.layer === m && !s.deltaAfterMlp).forEach(visit);
      if (mlpLayers.includes(m)) {
        const d = delta;
        delta = tf.tidy(() => {
          const mid = plus(clean.rows.get(midName(m))!, d);
          const out = mlpRows(W, m, lnRows(mid, W.blocks[m].ln2, c.layerNormEps));
          return tf.add(d, minus(clean.rows.get(mlpName(m))!, out)) as tf.Tensor2D;
        });
        d.dispose();
      }
      S.filter((s) => s.layer === m + 1 && s.deltaAfterMlp).forEach(visit);
    }
    // Sites below this sender layer: clean values, so every site has one entry per sender layer.
    S.filter((s) => !done.has(s)).forEach(visit);
    return final ? tf.tidy(() => lnRows(plus(clean.rows.get(postName(c.nLayers - 1))!, delta), W.lnF, c.layerNormEps)) : null;
  } finally {
    delta.dispose();
  }
}

/** One site's values for sender layer l: patched where reachable, clean otherwise. */
function siteValues(
  W: GPT2Weights, c: ModelConfig, site: Site, l: number, delta: tf.Tensor2D, clean: Captured, pairs: Pair[],
  plus: (base: tf.Tensor2D, rows: tf.Tensor2D) => tf.Tensor2D, put: (key: string, v: tf.Tensor2D, w: number) => void,
  cleanRows: (key: string, base: tf.Tensor2D, w: number) => void,
): void {
  const { dHead: dh, dModel: D } = c;
  if (site.kind === 'resid') {
    const base = clean.rows.get(site.rowNames[0])!;
    if (site.reach(l)) put(site.name, plus(base, delta), D);
    else cleanRows(site.name, base, D);
    return;
  }
  const m = site.layer;
  const cleanHead = (h: number): tf.Tensor2D => tf.slice(clean.rows.get(site.name)!, [0, h * dh], [pairs.length, dh]) as tf.Tensor2D;
  if (!site.reach(l)) {
    for (const h of site.heads) cleanRows(`${site.name}#${h}`, cleanHead(h), dh);
    return;
  }
  const x = lnRows(plus(clean.rows.get(preName(m))!, delta), W.blocks[m].ln1, c.layerNormEps); // [n·nP, D]
  for (const h of site.heads) {
    if (site.kind !== 'z') {
      put(`${site.name}#${h}`, headInput(W, c, m, h, site.kind, x), dh);
      continue;
    }
    put(`${site.name}#${h}`, zRows(W, c, site, h, x, clean, pairs), dh);
  }
}

/**
 * A z receiver's new output at each pair: its query from the patched row, keys and values clean except at the
 * pairs of the same prompt (their rows are patched too). x: normalised patched rows [n·nP, D] → [n·nP, dh].
 */
function zRows(W: GPT2Weights, c: ModelConfig, site: Site, h: number, x: tf.Tensor2D, clean: Captured, pairs: Pair[]): tf.Tensor2D {
  const m = site.layer;
  const nP = pairs.length;
  const n = x.shape[0] / nP;
  const dh = c.dHead;
  const q = tf.reshape(headInput(W, c, m, h, 'q', x), [n, nP, dh]);
  const k = tf.reshape(headInput(W, c, m, h, 'k', x), [n, nP, dh]);
  const v = tf.reshape(headInput(W, c, m, h, 'v', x), [n, nP, dh]);
  const kAll = clean.whole.get(`blocks.${m}.attn.hook_k`)!; // [B, K, H, dh]
  const vAll = clean.whole.get(`blocks.${m}.attn.hook_v`)!;
  const [B, K] = kAll.shape as number[];
  const rowsIdx = tf.tensor1d(pairs.map((p) => p.row), 'int32');
  const headOf = (t: tf.Tensor): tf.Tensor3D => tf.gather(tf.reshape(tf.slice(t, [0, 0, h, 0], [B, K, 1, dh]), [B, K, dh]), rowsIdx) as tf.Tensor3D; // [nP, K, dh]
  const kc = headOf(kAll);
  const vc = headOf(vAll);
  // sel[i][t][j] = 1 when pair t is in pair i's prompt at position j ≤ pos_i: key j of pair i comes from pair t.
  const sel = new Float32Array(nP * nP * K);
  const mask = new Float32Array(nP * K);
  pairs.forEach((pi, i) => {
    for (let j = pi.pos + 1; j < K; j++) mask[i * K + j] = -Infinity;
    pairs.forEach((pt, t) => { if (pt.row === pi.row && pt.pos <= pi.pos) sel[(i * nP + t) * K + pt.pos] = 1; });
  });
  const selT = tf.tensor3d(sel, [nP, nP, K]);
  const swapped = tf.sum(selT, 1); // [nP, K]: 1 where key j is a patched row
  const qT = tf.transpose(q, [1, 0, 2]); // [nP, n, dh]
  const scale = 1 / Math.sqrt(dh);
  const sClean = tf.matMul(qT, kc, false, true); // [nP, n, K]
  const sPair = tf.transpose(tf.matMul(q, k, false, true), [1, 0, 2]); // [nP(i), n, nP(t)]
  const scores = tf.add(tf.mul(tf.add(tf.mul(sClean, tf.sub(1, tf.expandDims(swapped, 1))), tf.matMul(sPair, selT)), scale), tf.expandDims(tf.tensor2d(mask, [nP, K]), 1));
  const a = tf.softmax(scores, -1); // [nP, n, K]
  const zClean = tf.matMul(tf.mul(a, tf.sub(1, tf.expandDims(swapped, 1))), vc); // [nP, n, dh]
  const aPair = tf.transpose(tf.matMul(a, selT, false, true), [1, 0, 2]); // [n, nP(i), nP(t)]
  const zPair = tf.transpose(tf.matMul(aPair, v), [1, 0, 2]); // [nP, n, dh]
  return tf.reshape(tf.transpose(tf.add(zClean, zPair), [1, 0, 2]), [n * nP, dh]) as tf.Tensor2D;
}

/** Pass 2 for one chunk of senders (same start layer) → the patched logit difference per (sender, prompt). */
async function rerunChunk(
  W: GPT2Weights, c: ModelConfig, set: PromptSet, prompts: Prompt[], part: Head[], from: number, input: RerunInput,
  g: SuffixGeometry, pairs: (Pair & { i: number })[], S: Site[], values: SiteValues, past: ReturnType<typeof sharedPast>, versus: Versus | undefined,
): Promise<number[]> {
  const n = part.length;
  const B = prompts.length;
  const { nHeads: H, dHead: dh, dModel: D } = c;
  const idx = tf.tensor1d(part.map((s) => values.index.get(`${s.layer}.${s.head}`)!), 'int32');
  // Each site's values scattered into its activation's shape for this chunk, val [n·B, P, (H,) width] (0 elsewhere),
  // and keep [n·B, P, (H,) 1] (0 at the patched rows, 1 elsewhere): the patched activation is x·keep + val, exactly
  // x or val (a where() needs its mask broadcast to the full shape first, which is slow on wasm).
  const patches = new Map<string, { val: tf.Tensor; keep: tf.Tensor }>();
  try {
    for (const site of S.filter((s) => s.layer >= from)) {
      const keys = site.kind === 'resid' ? [site.name] : site.heads.map((h) => `${site.name}#${h}`);
      const width = site.kind === 'resid' ? D : dh;
      const coords: number[][] = [];
      for (let j = 0; j < n; j++) {
        pairs.forEach((p) => {
          const at = [j * B + p.row, p.pos - g.start[p.row]];
          if (site.kind === 'resid') coords.push(at);
          else site.heads.forEach((h) => coords.push([...at, h]));
        });
      }
      const shape = site.kind === 'resid' ? [n * B, g.P, D] : [n * B, g.P, H, dh];
      patches.set(site.name, tf.tidy(() => {
        // Each [n, nP, width] over this group's pairs (p.i: the pair's index in the batch).
        const per = keys.map((key) => tf.gather(tf.gather(values.all.get(key)!, idx), tf.tensor1d(pairs.map((p) => p.i), 'int32'), 1));
        const updates = tf.reshape(site.kind === 'resid' ? per[0] : tf.stack(per, 2), [coords.length, width]); // (j, pair, head) order
        const ind = tf.tensor2d(coords, [coords.length, coords[0].length], 'int32');
        const keep = tf.sub(1, tf.scatterND(ind, tf.ones([coords.length, 1]), [...shape.slice(0, -1), 1]));
        return { val: tf.keep(tf.scatterND(ind, updates, shape)), keep: tf.keep(keep) };
      }));
    }
    const hooks: HookRunner = {
      wants: (name) => patches.has(name),
      apply: (name, _l, x) => {
        const pm = patches.get(name);
        return pm ? tf.add(tf.mul(x, pm.keep), pm.val) : x;
      },
    };
    const normed = tf.tidy(() => {
      // [n·B, P, D] entering block `next`: the clean residual, or the entry block's output.
      const x = input.heads ? entryBlock(W, c, from, input.entry, input.heads, n, B, past, hooks) : repeat(input.resid, n);
      const next = input.heads ? from + 1 : from;
      const ends = g.len.map((len, b) => len - 1 - g.start[b]);
      // Nothing patched in the last block: it need only run at END.
      if (lastBlockUnpatched(S, c.nLayers)) {
        return lnRows(suffixRerunEnds(W, c, x, next, n, B, past, hooks, ends), W.lnF, c.layerNormEps);
      }
      let resid = suffixRerun(W, c, x, next, n, B, past, hooks); // [n·B, P, D]
      if (patches.has('final')) resid = hooks.apply('final', null, resid) as tf.Tensor3D;
      const rows = Array.from({ length: n * B }, (_, r) => r * g.P + ends[r % B]);
      return lnRows(tf.gather(tf.reshape(resid, [n * B * g.P, D]), tf.tensor1d(rows, 'int32')), W.lnF, c.layerNormEps);
    });
    const all = Array.from({ length: n }, () => prompts).flat();
    return await logitRows(W, set, all, all.map((_, i) => ({ row: i, pos: 0 })), 1, normed, versus);
  } finally {
    idx.dispose();
    patches.forEach((t) => { t.val.dispose(); t.keep.dispose(); });
  }
}
