/**
 * The experiment context: tasks split into batches, and per task one clean and one corrupted run per batch shared
 * by every metric (logit summaries at END always kept; cached activations kept under a byte budget, least
 * recently used first out, and recomputed when asked for again).
 */
import { CircuitspecError } from '../../errors.js';
import type { ActivationCache, HookedGPT2 } from '../model/index.js';
import type { PromptSet } from '../tasks/types.js';
import { makeBatches, shardRange, type Batch } from './batches.js';
import { readSummaries, type LogitSummary } from './logits.js';
import type { ContextOptions, ExperimentContext } from './types.js';

export type Side = 'clean' | 'corrupted';

export interface RunEntry {
  summary: LogitSummary[];
  cache: ActivationCache | null;
  names: Set<string>;
  bytes: number;
  used: number;
}

interface State {
  batches: Map<string, Batch[]>;
  runs: Map<string, RunEntry>;
  /** Other per-context memo (task means for mean ablation, …); values disposed with the context. */
  memo: Map<string, { value: unknown; dispose?: () => void }>;
  budget: number;
  clock: number;
  /** Batch positions computed by the model, for cost accounting (bench, progress). */
  positions: number;
}

const STATES = new WeakMap<ExperimentContext, State>();
export const DEFAULT_CACHE_BYTES = 1 << 30;

export function createContext(
  model: HookedGPT2,
  tasks: Map<string, PromptSet> | Record<string, PromptSet> | PromptSet[],
  opts: ContextOptions & { cacheBytes?: number } = {},
): ExperimentContext {
  const map = tasks instanceof Map ? new Map(tasks)
    : Array.isArray(tasks) ? new Map(tasks.map((t) => [t.name, t]))
    : new Map(Object.entries(tasks));
  const ctx: ExperimentContext = {
    model, tasks: map, seed: opts.seed ?? 0, batchSize: opts.batchSize ?? 16, onProgress: opts.onProgress, ...(opts.shard && { shard: opts.shard }),
  };
  STATES.set(ctx, { batches: new Map(), runs: new Map(), memo: new Map(), budget: opts.cacheBytes ?? DEFAULT_CACHE_BYTES, clock: 0, positions: 0 });
  return ctx;
}

function state(ctx: ExperimentContext): State {
  let s = STATES.get(ctx);
  if (!s) {
    // A context built by hand (a plain object of the ExperimentContext shape) gets its state on first use.
    s = { batches: new Map(), runs: new Map(), memo: new Map(), budget: DEFAULT_CACHE_BYTES, clock: 0, positions: 0 };
    STATES.set(ctx, s);
  }
  return s;
}

export function disposeContext(ctx: ExperimentContext): void {
  const s = STATES.get(ctx);
  if (!s) return;
  for (const r of s.runs.values()) r.cache?.dispose();
  for (const m of s.memo.values()) m.dispose?.();
  s.runs.clear();
  s.memo.clear();
  s.batches.clear();
}

export function taskOf(ctx: ExperimentContext, name: string): PromptSet {
  const t = ctx.tasks.get(name);
  if (!t) throw new CircuitspecError(`unknown task '${name}' (tasks: ${[...ctx.tasks.keys()].join(', ') || 'none'})`, { field: 'task' });
  return t;
}

/** Every batch of a task, whatever the shard (task-wide statistics such as mean-ablation means need them all). */
export function allBatchesOf(ctx: ExperimentContext, name: string): Batch[] {
  const s = state(ctx);
  let b = s.batches.get(name);
  if (!b) {
    const set = taskOf(ctx, name);
    // On a GPU the batch also shrinks until its largest activation fits in one of the adapter's buffers.
    const K = Math.max(...set.prompts.map((p) => p.tokens.length), 1);
    b = makeBatches(set, Math.min(ctx.batchSize, ctx.model.maxBatch?.(K) ?? Infinity));
    s.batches.set(name, b);
  }
  return b;
}

/** The batches this context computes: all of them, or its shard's contiguous run. */
export function batchesOf(ctx: ExperimentContext, name: string): Batch[] {
  const all = allBatchesOf(ctx, name);
  const [start, end] = shardRange(all.length, ctx.shard);
  return start === 0 && end === all.length ? all : all.slice(start, end);
}

/** Count positions the model computed (B rows × positions), for forward-pass-equivalent accounting. */
export function countPositions(ctx: ExperimentContext, n: number): void {
  state(ctx).positions += n;
}

export function positionsComputed(ctx: ExperimentContext): number {
  return state(ctx).positions;
}

export function memo<T>(ctx: ExperimentContext, key: string, make: () => T, dispose?: (v: T) => void): T {
  const s = state(ctx);
  const hit = s.memo.get(key);
  if (hit) return hit.value as T;
  const value = make();
  s.memo.set(key, { value, dispose: dispose ? () => dispose(value) : undefined });
  return value;
}

export function progress(ctx: ExperimentContext, step: string, done: number, total: number): void {
  ctx.onProgress?.({ step, done, total });
}

/**
 * The shared clean or corrupted run of one batch, with at least `names` cached. Reruns (caching the union of
 * what was asked before and now) when the cache lacks a name or was evicted.
 */
export async function sharedRun(ctx: ExperimentContext, task: string, batch: Batch, side: Side, names: string[] = []): Promise<RunEntry> {
  const s = state(ctx);
  const set = taskOf(ctx, task);
  const key = `${task}\u0000${batch.index}\u0000${side}`;
  const have = s.runs.get(key);
  if (have && names.every((n) => have.names.has(n))) {
    have.used = ++s.clock;
    return have;
  }
  const ids = side === 'clean' ? batch.clean : batch.corrupted;
  if (!ids) throw new CircuitspecError(`task '${task}' has no corrupted prompts (give it a corruption)`, { field: `tasks.${task}` });
  const want = [...new Set([...(have?.names ?? []), ...names])];
  have?.cache?.dispose();
  s.runs.delete(key);
  const { logits, cache } = want.length
    ? await ctx.model.runWithCache(ids, { names: want, logitsAt: 'last' })
    : { ...(await ctx.model.runWithHooks(ids, { logitsAt: 'last' })), cache: null };
  countPositions(ctx, ids.length * Math.max(...batch.lengths));
  let summary: LogitSummary[];
  try {
    summary = await readSummaries(logits, set, batch.prompts);
  } finally {
    logits.dispose();
  }
  const bytes = cache ? cache.names().reduce((a, n) => a + cache.array(n).data.byteLength, 0) : 0;
  const entry: RunEntry = { summary, cache, names: new Set(cache ? want : []), bytes, used: ++s.clock };
  s.runs.set(key, entry);
  evict(s, `${task}\u0000${batch.index}\u0000`);
  return entry;
}

/** Drop least recently used caches until under budget, sparing the batch being worked on. */
function evict(s: State, spare: string): void {
  let total = [...s.runs.values()].reduce((a, r) => a + r.bytes, 0);
  const order = [...s.runs.entries()].filter(([k, r]) => r.cache && !k.startsWith(spare)).sort((a, b) => a[1].used - b[1].used);
  for (const [, r] of order) {
    if (total <= s.budget) break;
    total -= r.bytes;
    r.cache!.dispose();
    r.cache = null;
    r.names = new Set();
    r.bytes = 0;
  }
}

/** All batches' summaries of one side, in prompt order. */
export async function sideSummaries(ctx: ExperimentContext, task: string, side: Side): Promise<LogitSummary[]> {
  const out: LogitSummary[] = [];
  const bs = batchesOf(ctx, task);
  for (const b of bs) {
    out.push(...(await sharedRun(ctx, task, b, side)).summary);
    progress(ctx, `${task}: ${side} run`, b.index + 1, bs.length);
  }
  return out;
}
