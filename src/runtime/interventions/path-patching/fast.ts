/**
 * Path patching for every sender at once. With all other heads frozen, a sender patched at position p changes
 * the residual stream only at p, by Δ = (z_corrupted − z_clean)·W_O (plus, when MLPs are recomputed, what the
 * MLPs at p make of it). So from one clean and one corrupted run (capturing only the rows at the receiver
 * positions) the receivers' new inputs follow for all senders in a few batched row-wise ops:
 *   receivers = logits: LN_final(resid_final + Δ) · W_U at END → the patched logit difference directly;
 *   receivers = heads:  LN1(resid_pre + Δ) · W_{Q|K|V} at the receiver positions, then one rerun per sender
 *                       (senders batched along the batch axis) from the first receiver position, with only those
 *                       inputs patched.
 * Agrees with literal.ts (the definition) to float precision.
 */
import * as tf from '@tensorflow/tfjs';
import { geluNew, layerNorm, linear, type GPT2Weights, type HookedGPT2, type Hook } from '../../model/index.js';
import { requireCorrupted, rolePositions, rolesPositions, type Batch } from '../../experiments/batches.js';
import { batchesOf, countPositions, progress, taskOf } from '../../experiments/context.js';
import { summarize, type LogitSummary } from '../../experiments/logits.js';
import type { ExperimentContext, Head } from '../../experiments/types.js';
import { logitDiff, type Versus } from '../../metrics/logit-diff.js';
import type { Prompt, PromptSet } from '../../tasks/types.js';
import { kvNames } from '../hooks.js';
import { captureHooks, type Pair } from './capture.js';
import { checkPathPatch, emptyPatched, senderList, type PathPatchOptions, type PathPatchResult } from './common.js';
import { tiledCache } from './tiled-cache.js';

const zName = (l: number): string => `blocks.${l}.attn.hook_z`;
const midName = (l: number): string => `blocks.${l}.hook_resid_mid`;
const mlpName = (l: number): string => `blocks.${l}.hook_mlp_out`;
const preName = (l: number): string => `blocks.${l}.hook_resid_pre`;

/** Positions a stage-2 rerun may hold at once (rows × recomputed positions), to bound memory. */
const RERUN_POSITIONS = 4096;

export async function pathPatchFast(ctx: ExperimentContext, task: string, opts: PathPatchOptions): Promise<PathPatchResult> {
  const { model } = ctx;
  const { nLayers: L } = model.config;
  const set = taskOf(ctx, task);
  checkPathPatch(opts, model.config, set);
  requireCorrupted(set, 'path patching');
  const senders = senderList(model.config, opts.senders);
  const recv = opts.receivers;
  const recvLayers = recv === 'logits' ? [] : [...new Set(recv.heads.map((h) => h.layer))].sort((a, b) => a - b);
  // Layers whose MLPs carry a sender's change on to the receivers.
  const lastMlp = recv === 'logits' ? L - 1 : Math.max(...recvLayers) - 1;
  const result: PathPatchResult = { clean: [], patched: emptyPatched(model.config) };
  const batches = batchesOf(ctx, task);
  for (const batch of batches) {
    const b0 = result.clean.length;
    const cleanLd = await fastBatch(ctx, set, batch, opts, senders, recvLayers, lastMlp, result);
    result.clean.push(...cleanLd);
    // Senders with no path to the receivers leave the clean logit difference.
    for (const s of senders) {
      const per = result.patched[s.layer][s.head];
      for (let b = per.length; b < b0 + cleanLd.length; b++) per.push(cleanLd[b - b0]);
    }
    progress(ctx, `${task}: path patching`, batch.index + 1, batches.length);
  }
  return result;
}

async function fastBatch(
  ctx: ExperimentContext, set: PromptSet, batch: Batch, opts: PathPatchOptions, senders: Head[], recvLayers: number[], lastMlp: number, result: PathPatchResult,
): Promise<number[]> {
  const { model } = ctx;
  const c = model.config;
  const W = model.weights;
  const recv = opts.receivers;
  const B = batch.prompts.length;
  const K = Math.max(...batch.lengths);
  const ld = (s: LogitSummary): number => logitDiff(s, opts.versus);

  // Receiver positions a sender can reach: with every other head frozen, only its own positions.
  const recvPos = recv === 'logits' ? rolePositions(set, batch.prompts, 'END').map((p) => [p]) : rolesPositions(set, batch.prompts, recv.positions);
  const sendPos = opts.senderPositions ? rolesPositions(set, batch.prompts, opts.senderPositions).map((ps) => new Set(ps)) : null;
  const pairs: Pair[] = [];
  recvPos.forEach((ps, row) => ps.forEach((pos) => { if (!sendPos || sendPos[row].has(pos)) pairs.push({ row, pos }); }));

  const layers = Array.from({ length: c.nLayers }, (_, l) => l);
  const mlpLayers = opts.freezeMlps ? [] : layers.filter((l) => l <= lastMlp);
  const recvInput = recv === 'logits' ? null : `attn.hook_${recv.input}`;
  const cleanNames = [
    ...layers.map(zName), ...mlpLayers.map(midName), ...mlpLayers.map(mlpName),
    ...(recv === 'logits' ? [`blocks.${c.nLayers - 1}.hook_resid_post`] : recvLayers.flatMap((l) => [preName(l), `blocks.${l}.${recvInput}`])),
  ];
  const startPos = pairs.length ? Math.min(...pairs.map((p) => p.pos)) : 0;
  const needPast = recv !== 'logits' && pairs.length > 0 && startPos > 0;
  const cap = captureHooks(cleanNames, pairs);
  const clean = await model.runWithCache(batch.clean, { hooks: cap.hooks, names: needPast ? kvNames(c.nLayers) : [], logitsAt: 'last' });
  const corrCap = captureHooks(layers.map(zName), pairs);
  const corr = await model.runWithHooks(batch.corrupted!, { hooks: corrCap.hooks, logitsAt: 'none' });
  corr.logits.dispose();
  countPositions(ctx, 2 * B * K);
  try {
    const cleanSummary = summarize(clean.logits, set, batch.prompts);
    const cleanLd = cleanSummary.map(ld);
    if (!pairs.length) return cleanLd;
    const nP = pairs.length;
    const rowsOf = (name: string, cols: number): tf.Tensor2D => tf.tensor2d(cap.out.get(name)!, [nP, cols]);

    // Stage 1, per sender layer: Δ for its senders [S*nP, D] (row = s*nP + pair), carried through the MLPs.
    const byLayer = new Map<number, number[]>();
    for (const s of senders) byLayer.set(s.layer, [...(byLayer.get(s.layer) ?? []), s.head]);
    const recvValues = new Map<string, Float32Array>(); // `${senderLayer}:${recvLayer}:${recvHead}` → [S, nP, dh]
    const maxRecv = recv === 'logits' ? c.nLayers : Math.max(...recvLayers);
    for (const [l, hs] of byLayer) {
      if (l >= maxRecv) continue; // no path from this layer to any receiver
      const S = hs.length;
      const tile = (x: tf.Tensor2D): tf.Tensor2D => tf.tile(x, [S, 1]);
      // One tidy per layer step: only Δ [S*nP, D] lives across steps.
      let delta = tf.tidy(() => {
        const dz = tf.sub(tf.tensor2d(corrCap.out.get(zName(l))!, [nP, c.nHeads * c.dHead]), rowsOf(zName(l), c.nHeads * c.dHead)); // [nP, H*dh]
        return tf.concat(hs.map((h) => tf.matMul(
          tf.slice(dz, [0, h * c.dHead], [nP, c.dHead]), tf.slice(W.blocks[l].cProjW, [h * c.dHead, 0], [c.dHead, c.dModel]),
        )), 0) as tf.Tensor2D; // [S*nP, D]
      });
      for (let m = l; m < c.nLayers; m++) {
        if (recv !== 'logits' && m > l && recvLayers.includes(m)) {
          for (const h of recv.heads.filter((r) => r.layer === m)) {
            const t = tf.tidy(() => headInput(W, c, m, h.head, recv.input, lnRows(tf.add(tile(rowsOf(preName(m), c.dModel)), delta), W.blocks[m].ln1, c.layerNormEps)));
            recvValues.set(`${l}:${m}:${h.head}`, t.dataSync() as Float32Array); // [S*nP, dh]
            t.dispose();
          }
        }
        if (m >= maxRecv) break;
        if (mlpLayers.includes(m)) {
          const d = delta;
          delta = tf.tidy(() => {
            const mid = tf.add(tile(rowsOf(midName(m), c.dModel)), d);
            const mlp = mlpRows(W, m, lnRows(mid, W.blocks[m].ln2, c.layerNormEps));
            return tf.add(d, tf.sub(mlp, tile(rowsOf(mlpName(m), c.dModel)))) as tf.Tensor2D;
          });
          d.dispose();
        }
      }
      if (recv === 'logits') {
        const final = tf.tidy(() => lnRows(tf.add(tile(rowsOf(`blocks.${c.nLayers - 1}.hook_resid_post`, c.dModel)), delta), W.lnF, c.layerNormEps));
        logitsRows(ctx.model, set, batch.prompts, pairs, hs, final, opts.versus, (h, row, v) => { setPatched(result, l, h, row, v, cleanLd, B); });
        final.dispose();
      }
      delta.dispose();
    }
    if (recv === 'logits') return cleanLd;

    // Stage 2: rerun with only the receivers' inputs patched, senders stacked along the batch axis.
    const rerun = senders.filter((s) => s.layer < maxRecv);
    const P = K - startPos;
    const chunk = Math.max(1, Math.floor(RERUN_POSITIONS / (B * P)));
    const recvByLayer = new Map<number, number[]>();
    for (const h of recv.heads) recvByLayer.set(h.layer, [...new Set([...(recvByLayer.get(h.layer) ?? []), h.head])]);
    const senderIndex = new Map<number, Map<number, number>>();
    for (const [l, hs] of byLayer) senderIndex.set(l, new Map(hs.map((h, i) => [h, i])));
    const rowPositions = recvPos.map((_, row) => pairs.filter((p) => p.row === row).map((p) => p.pos));
    for (let i = 0; i < rerun.length; i += chunk) {
      const group = rerun.slice(i, i + chunk);
      const n = group.length;
      const { dHead: dh, nHeads: H } = c;
      const hooks: Hook[] = [];
      for (const [r, heads] of recvByLayer) {
        const value = new Float32Array(n * B * P * H * dh);
        const cleanVals = cap.out.get(`blocks.${r}.${recvInput}`)!; // [nP, H*dh]
        group.forEach((s, j) => {
          const si = senderIndex.get(s.layer)!.get(s.head)!;
          pairs.forEach((pr, pi) => {
            for (const hr of heads) {
              const at = (((j * B + pr.row) * P + pr.pos - startPos) * H + hr) * dh;
              const patched = s.layer < r ? recvValues.get(`${s.layer}:${r}:${hr}`) : undefined;
              if (patched) value.set(patched.subarray((si * nP + pi) * dh, (si * nP + pi + 1) * dh), at);
              else value.set(cleanVals.subarray(pi * H * dh + hr * dh, pi * H * dh + (hr + 1) * dh), at);
            }
          });
        });
        hooks.push({
          name: `blocks.${r}.${recvInput}`, value: tf.tensor4d(value, [n * B, P, H, dh]), heads,
          positions: group.flatMap(() => rowPositions),
        });
      }
      const ids = group.flatMap(() => batch.clean);
      const prompts = group.flatMap(() => batch.prompts);
      try {
        const { logits } = await model.runWithHooks(ids, {
          hooks, logitsAt: 'last', startPos, past: needPast ? tiledCache(clean.cache, n) : undefined,
        });
        countPositions(ctx, n * B * P);
        const lds = summarize(logits, set, prompts).map(ld);
        logits.dispose();
        group.forEach((s, j) => {
          for (let row = 0; row < B; row++) setPatched(result, s.layer, s.head, row, lds[j * B + row], cleanLd, B);
        });
      } finally {
        hooks.forEach((h) => ('value' in h && h.value instanceof tf.Tensor ? h.value.dispose() : undefined));
      }
    }
    return cleanLd;
  } finally {
    clean.logits.dispose();
    clean.cache.dispose();
  }
}

/** Record one prompt's patched logit difference (the batch's rows are appended in order, clean where unset). */
function setPatched(result: PathPatchResult, l: number, h: number, row: number, v: number, cleanLd: number[], B: number): void {
  const per = result.patched[l][h];
  const base = result.clean.length; // this batch's first prompt index
  while (per.length < base + B) per.push(cleanLd[per.length - base]);
  per[base + row] = v;
}

/** LayerNorm over rows [N, D] with the model's LayerNorm weights (null when folded). */
function lnRows(x: tf.Tensor, lw: { w: tf.Tensor1D | null; b: tf.Tensor1D | null }, eps: number): tf.Tensor2D {
  const [N, D] = x.shape;
  return tf.reshape(layerNorm(tf.reshape(x, [1, N, D]) as tf.Tensor3D, lw, eps, 'path', null), [N, D]) as tf.Tensor2D;
}

function mlpRows(W: GPT2Weights, l: number, x: tf.Tensor2D): tf.Tensor2D {
  const bw = W.blocks[l];
  return linear(geluNew(linear(x, bw.fcW, bw.fcB)), bw.projW, bw.projB);
}

/** One head's q, k or v from normalised rows x [N, D] → [N, dh]. */
function headInput(W: GPT2Weights, c: { dModel: number; dHead: number }, l: number, h: number, which: 'q' | 'k' | 'v', x: tf.Tensor2D): tf.Tensor2D {
  const off = (which === 'q' ? 0 : which === 'k' ? 1 : 2) * c.dModel + h * c.dHead;
  const bw = W.blocks[l];
  return linear(x, tf.slice(bw.cAttnW, [0, off], [c.dModel, c.dHead]), tf.slice(bw.cAttnB, [off], [c.dHead]));
}

/** Logits of the normalised final rows [S*nP, D] at the ids the logit difference reads, → one value per (sender, pair). */
function logitsRows(
  model: HookedGPT2, set: PromptSet, prompts: Prompt[], pairs: Pair[], heads: number[], normed: tf.Tensor2D, versus: Versus | undefined,
  put: (head: number, row: number, v: number) => void,
): void {
  const ids = [...new Set(pairs.flatMap((p) => {
    const q = prompts[p.row];
    return [q.answerId, ...q.distractorIds, ...(set.candidates?.ids ?? [])];
  }))];
  const col = new Map(ids.map((id, i) => [id, i]));
  const vals = tf.tidy(() => {
    let lg = tf.matMul(normed, tf.gather(model.weights.WU, tf.tensor1d(ids, 'int32'), 1)); // [S*nP, U]
    if (model.weights.bU) lg = tf.add(lg, tf.gather(model.weights.bU, tf.tensor1d(ids, 'int32')));
    return lg;
  });
  const data = vals.dataSync();
  vals.dispose();
  const U = ids.length;
  heads.forEach((h, si) => pairs.forEach((p, pi) => {
    const q = prompts[p.row];
    const at = (id: number): number => data[(si * pairs.length + pi) * U + col.get(id)!];
    const cand = set.candidates ? set.candidates.ids : [q.answerId, ...q.distractorIds];
    const s: LogitSummary = {
      answerId: q.answerId, answer: at(q.answerId), distractors: q.distractorIds.map(at), candidates: cand.map(at), candidateIds: cand,
      argmax: -1, logSumExp: NaN,
    };
    put(h, p.row, logitDiff(s, versus));
  }));
}
