/**
 * Interventions → the model's per-run hooks, for one batch. Patching and ablation replace a hook's activation at
 * the chosen heads and role positions; the attention override rewrites hook_pattern rows. When every intervention
 * names its positions, the run starts at the earliest of them (a partial rerun reading earlier keys/values from
 * the base run's cache), so an intervention at END recomputes one position.
 *
 * Mediation: one list may patch from both runs. On the base run, a patch from the other run carries the
 * corruption (or its repair) in; a patch from the base run itself freezes the site to its base-run value, so no
 * effect can flow through it. Every site takes its value where the forward reaches it, so the order in the list
 * does not matter; a site both frozen and otherwise written is an error.
 */
import * as tf from '@tensorflow/tfjs';
import { CircuitspecError } from '../../errors.js';
import { deriveSeed, makeRng } from '../util/rng.js';
import { hookShape, parseHookName, type ActivationCache, type Hook } from '../model/index.js';
import { requireCorrupted, rolePositions, rolesPositions, type Batch } from '../experiments/batches.js';
import { allBatchesOf, memo, sharedRun, taskOf, type RunEntry, type Side } from '../experiments/context.js';
import type { ExperimentContext, Head, Intervention } from '../experiments/types.js';
import { validateIntervention } from './validate.js';
import { blockHooks } from './attention-block.js';

export interface BatchIntervention {
  base: Side;
  hooks: Hook[];
  startPos: number;
  past?: ActivationCache;
  /** Tensors made for the hooks (not owned by a cache). */
  dispose(): void;
}

/**
 * Which run the interventions edit: `run` when the metric names one; else the clean run, unless every patch copies
 * from the clean run (then the corrupted one: patching clean values in).
 */
export function baseSide(ivs: Intervention[], run?: Side): Side {
  if (run) return run;
  const froms = new Set(ivs.flatMap((iv) => (iv.type === 'patch' ? [iv.from] : [])));
  return froms.size === 1 && froms.has('clean') ? 'corrupted' : 'clean';
}

export function kvNames(nLayers: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < nLayers; l++) out.push(`blocks.${l}.attn.hook_k`, `blocks.${l}.attn.hook_v`);
  return out;
}

export interface HookOptions {
  /** The run to edit (default: baseSide's rule). */
  run?: Side;
  /** Always rerun every position (a metric that reads positions before the first edited one). */
  fromStart?: boolean;
}

export async function batchHooks(ctx: ExperimentContext, task: string, batch: Batch, ivs: Intervention[], where = 'with', opts: HookOptions = {}): Promise<BatchIntervention> {
  const set = taskOf(ctx, task);
  const { config } = ctx.model;
  ivs.forEach((iv, i) => validateIntervention(iv, config, set, `${where}[${i}]`));
  const base = baseSide(ivs, opts.run);
  if (ivs.some((iv) => iv.type === 'patch') || base === 'corrupted') requireCorrupted(set, `${where}: ${base === 'corrupted' ? 'editing the corrupted run' : 'patching'}`);
  const other: Side = base === 'clean' ? 'corrupted' : 'clean';
  const K = Math.max(...batch.lengths);

  // Positions per intervention (null = all positions) decide where the run may start.
  const posOf = (iv: Intervention): number[][] | null =>
    iv.type === 'attention_override' || iv.type === 'attention_block' ? rolePositions(set, batch.prompts, iv.query).map((p) => [p])
      : iv.positions?.length ? rolesPositions(set, batch.prompts, iv.positions) : null;
  const positions = ivs.map(posOf);
  checkFrozen(ivs, positions, base, set.name, batch, where);
  const startPos = opts.fromStart || positions.some((p) => p === null) || ivs.length === 0 ? 0 : Math.min(...positions.flatMap((p) => p!.flat()));

  // What each run must have cached: hook values to copy from, and keys/values for a partial rerun.
  const baseNames = new Set<string>(startPos > 0 ? kvNames(config.nLayers) : []);
  const otherNames = new Set<string>();
  for (const iv of ivs) {
    if (iv.type === 'patch') (iv.from === base ? baseNames : otherNames).add(iv.hook);
    if (iv.type === 'ablate' && iv.method === 'resample') baseNames.add(iv.hook);
  }
  // Task means first (they walk every batch's clean run), then the other run, then the base run: a later fetch
  // may rerun and replace an earlier entry of the same batch, so the base run, which the rerun reads, comes last.
  const means = new Map<number, tf.Tensor>();
  for (const [i, iv] of ivs.entries()) if (iv.type === 'ablate' && iv.method === 'mean') means.set(i, await taskMean(ctx, task, iv.hook, K));
  const otherRun = otherNames.size ? await sharedRun(ctx, task, batch, other, [...otherNames]) : undefined;
  const baseRun: RunEntry | undefined = baseNames.size ? await sharedRun(ctx, task, batch, base, [...baseNames]) : undefined;

  const made: tf.Tensor[] = [];
  const hooks: Hook[] = [];
  for (let i = 0; i < ivs.length; i++) {
    const iv = ivs[i];
    const pos = positions[i] ?? undefined;
    if (iv.type === 'patch') {
      const source = iv.from === base ? baseRun! : otherRun!; // from the base run itself: frozen
      hooks.push({ name: iv.hook, value: source.cache!.get(iv.hook), heads: iv.heads, positions: pos });
    } else if (iv.type === 'ablate') {
      const p = parseHookName(iv.hook, config);
      let value: tf.Tensor;
      if (iv.method === 'zero') {
        value = tf.zeros([1, ...hookShape(p, config, 1, K, 0).slice(1)]);
        made.push(value);
      } else if (iv.method === 'mean') {
        value = means.get(i)!;
      } else {
        value = resampleRows(baseRun!.cache!.get(iv.hook), deriveSeed(iv.seed ?? ctx.seed, `resample:${task}:${batch.index}`), `${where}[${i}]`);
        made.push(value);
      }
      hooks.push({ name: iv.hook, value, heads: iv.heads, positions: pos });
    } else if (iv.type === 'attention_block') {
      const keys = batch.prompts.map((_, b) => iv.keys.map((role) => rolePositions(set, batch.prompts, role)[b]));
      hooks.push(...blockHooks({
        task: set.name, batch, heads: iv.heads, query: pos!.map((p) => p[0]), keys, renormalize: iv.renormalize, startPos, where: `${where}[${i}]`,
      }));
    } else {
      hooks.push(...overrideHooks(set.name, batch, iv.heads, pos!, keyPositions(ctx, task, batch, iv.keys), startPos));
    }
  }
  return {
    base, hooks, startPos, past: startPos > 0 ? baseRun!.cache! : undefined,
    dispose: () => made.forEach((t) => t.dispose()),
  };
}

/** What an intervention writes: a hook, its heads (undefined: all) and, per row, its positions (null: all). */
function siteOf(iv: Intervention, pos: number[][] | null): { hook: string; heads?: number[]; pos: number[][] | null }[] {
  if (iv.type !== 'attention_override' && iv.type !== 'attention_block') return [{ hook: iv.hook, heads: iv.heads, pos }];
  const layers = [...new Set(iv.heads.map((h) => h.layer))];
  return layers.map((l) => ({ hook: `blocks.${l}.attn.hook_pattern`, heads: iv.heads.filter((h) => h.layer === l).map((h) => h.head), pos }));
}

/** A site frozen to the base run must not also be patched, ablated or overridden: its value would depend on order. */
function checkFrozen(ivs: Intervention[], positions: (number[][] | null)[], base: Side, task: string, batch: Batch, where: string): void {
  const frozen = ivs.flatMap((iv, i) => (iv.type === 'patch' && iv.from === base ? siteOf(iv, positions[i]).map((s) => ({ s, i })) : []));
  if (!frozen.length) return;
  const heads = (a?: number[], b?: number[]) => !a || !b || a.some((h) => b.includes(h));
  ivs.forEach((iv, j) => {
    if (iv.type === 'patch' && iv.from === base) return;
    for (const w of siteOf(iv, positions[j])) {
      for (const { s, i } of frozen) {
        if (s.hook !== w.hook || !heads(s.heads, w.heads)) continue;
        const row = batch.prompts.findIndex((_, r) => !s.pos || !w.pos || s.pos[r].some((p) => w.pos![r].includes(p)));
        if (row < 0) continue;
        const what = iv.type === 'patch' ? `patched from the ${iv.from} run` : iv.type === 'ablate' ? 'ablated' : 'overridden';
        throw new CircuitspecError(
          `${where}[${i}] freezes '${s.hook}' to the ${base} run where ${where}[${j}] has it ${what} (task '${task}', prompt ${batch.prompts[row].id}): a site is either held or changed, not both`,
          { field: where },
        );
      }
    }
  });
}

function keyPositions(ctx: ExperimentContext, task: string, batch: Batch, keys: Record<string, number>): { pos: number[]; weight: number }[] {
  const set = taskOf(ctx, task);
  return Object.entries(keys).map(([role, weight]) => ({ pos: rolePositions(set, batch.prompts, role), weight }));
}

/** Rows of x [B, …] in a seeded order in which no row keeps its own (a derangement; Sattolo's shuffle). */
function resampleRows(x: tf.Tensor, seed: number, where: string): tf.Tensor {
  const B = x.shape[0];
  if (B < 2) throw new CircuitspecError(`${where}: resample ablation needs at least 2 prompts per batch`, { field: where });
  const rng = makeRng(seed);
  const perm = Array.from({ length: B }, (_, i) => i);
  for (let i = B - 1; i > 0; i--) {
    const j = rng.int(i);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return tf.tidy(() => tf.gather(x, tf.tensor1d(perm, 'int32')));
}

/**
 * Mean of a hook's clean activation over the task, shaped [1, K, …] for a batch padded to K. Prompts of one
 * length: the mean per position; of several lengths: one mean over all prompts and real positions.
 */
async function taskMean(ctx: ExperimentContext, task: string, hook: string, K: number): Promise<tf.Tensor> {
  const key = `mean\u0000${task}\u0000${hook}`;
  const { config } = ctx.model;
  const p = parseHookName(hook, config);
  const stats = memo(ctx, key, () => ({ sum: null as Float32Array | null, shape: [] as number[], perPosition: true, byK: new Map<number, tf.Tensor>() }),
    (s) => s.byK.forEach((t) => t.dispose()));
  if (!stats.sum) {
    const set = taskOf(ctx, task);
    const lengths = new Set(set.prompts.map((q) => q.tokens.length));
    stats.perPosition = lengths.size === 1;
    if (!stats.perPosition && p.posAxis !== 1) {
      throw new CircuitspecError(`mean ablation of '${hook}' needs prompts of one length (task '${task}' has ${[...lengths].join(', ')})`, { field: hook });
    }
    let count = 0;
    for (const b of allBatchesOf(ctx, task)) {
      const arr = (await sharedRun(ctx, task, b, 'clean', [hook])).cache!.array(hook);
      const [B, P] = arr.shape;
      const inner = arr.shape.slice(2).reduce((a, c) => a * c, 1);
      const rowSize = arr.data.length / B;
      if (stats.perPosition) {
        stats.sum ??= new Float32Array(rowSize);
        stats.shape = [1, ...arr.shape.slice(1)];
        for (let r = 0; r < B; r++) for (let i = 0; i < rowSize; i++) stats.sum[i] += arr.data[r * rowSize + i];
        count += B;
      } else {
        stats.sum ??= new Float32Array(inner);
        stats.shape = arr.shape.slice(2);
        for (let r = 0; r < B; r++) {
          for (let q = 0; q < b.lengths[r]; q++) {
            const off = (r * P + q) * inner;
            for (let i = 0; i < inner; i++) stats.sum[i] += arr.data[off + i];
          }
          count += b.lengths[r];
        }
      }
    }
    for (let i = 0; i < stats.sum!.length; i++) stats.sum![i] /= count;
  }
  let t = stats.byK.get(K);
  if (!t) {
    const sum = stats.sum!;
    t = stats.perPosition ? tf.tensor(sum, stats.shape) : tf.tidy(() => tf.broadcastTo(tf.tensor(sum, [1, 1, ...stats.shape]), [1, K, ...stats.shape]));
    stats.byK.set(K, t);
  }
  return t;
}

/**
 * hook_pattern rewrites: for each head, the query row at each prompt's query position becomes the given
 * distribution over key positions (weights of roles that share a position add up).
 */
export function overrideHooks(task: string, batch: Batch, heads: Head[], query: number[][], keys: { pos: number[]; weight: number }[], startPos: number): Hook[] {
  const byLayer = new Map<number, number[]>();
  for (const h of heads) byLayer.set(h.layer, [...(byLayer.get(h.layer) ?? []), h.head]);
  const B = batch.prompts.length;
  return [...byLayer.entries()].map(([layer, hs]) => ({
    name: `blocks.${layer}.attn.hook_pattern`,
    fn: (x: tf.Tensor) => {
      const [, H, P, K] = x.shape; // [B, H, P, K]
      const mask = new Uint8Array(B * H * P);
      const vals = new Float32Array(B * H * P * K);
      for (let b = 0; b < B; b++) {
        const q = query[b][0] - startPos;
        if (q < 0 || q >= P) throw new CircuitspecError(`attention override: task '${task}' prompt ${batch.prompts[b].id}'s query position is not in this run`);
        for (const h of hs) {
          const row = (b * H + h) * P + q;
          mask[row] = 1;
          for (const k of keys) {
            if (k.pos[b] > query[b][0]) throw new CircuitspecError(`attention override: in task '${task}' prompt ${batch.prompts[b].id}, a key role comes after the query (causal attention)`);
            vals[row * K + k.pos[b]] += k.weight;
          }
        }
      }
      return tf.where(tf.tensor4d(mask, [B, H, P, 1], 'bool').tile([1, 1, 1, K]), tf.tensor4d(vals, [B, H, P, K]), x);
    },
  }));
}
