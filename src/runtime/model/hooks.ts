/**
 * Hooks as per-run values (never state left on the model): data hooks replace an activation (whole, or some
 * heads / positions), callback hooks read or rewrite it. Everything is validated against the run's shapes
 * before any compute.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from './config.js';
import type { HookRunner } from './forward.js';
import { CircuitspecError } from '../../errors.js';
import { repeat } from './ops.js';

export type HookFn = (x: tf.Tensor, ctx: { name: string; layer: number | null }) => tf.Tensor | void;
/**
 * A hook: a callback, or a replacement value. The value has the hook's shape in this run (or the full-sequence
 * shape in a partial rerun, or batch 1 to broadcast); only `heads` and `positions` (absolute token positions; the
 * query axis of hook_attn_scores/hook_pattern; one list per batch row when number[][]) are written, all if omitted.
 */
export type Hook =
  | { name: string; fn: HookFn }
  | { name: string; value: tf.Tensor | Float32Array; heads?: number[]; positions?: number[] | number[][] };

type Kind = 'resid' | 'scale' | 'qkvz' | 'scores' | 'result' | 'mlp';
const GLOBAL_HOOKS: Record<string, Kind> = {
  hook_embed: 'resid',
  hook_pos_embed: 'resid',
  'ln_final.hook_scale': 'scale',
  'ln_final.hook_normalized': 'resid',
};
const BLOCK_HOOKS: Record<string, Kind> = {
  hook_resid_pre: 'resid',
  'ln1.hook_scale': 'scale',
  'ln1.hook_normalized': 'resid',
  'attn.hook_q': 'qkvz',
  'attn.hook_k': 'qkvz',
  'attn.hook_v': 'qkvz',
  'attn.hook_attn_scores': 'scores',
  'attn.hook_pattern': 'scores',
  'attn.hook_z': 'qkvz',
  'attn.hook_result': 'result',
  hook_attn_out: 'resid',
  hook_resid_mid: 'resid',
  'ln2.hook_scale': 'scale',
  'ln2.hook_normalized': 'resid',
  'mlp.hook_pre': 'mlp',
  'mlp.hook_post': 'mlp',
  hook_mlp_out: 'resid',
  hook_resid_post: 'resid',
};

/** Every hook name of a model, in forward order. */
export function hookNames(c: ModelConfig): string[] {
  const out = ['hook_embed', 'hook_pos_embed'];
  for (let l = 0; l < c.nLayers; l++) for (const s of Object.keys(BLOCK_HOOKS)) out.push(`blocks.${l}.${s}`);
  out.push('ln_final.hook_scale', 'ln_final.hook_normalized');
  return out;
}

export interface ParsedHook {
  name: string;
  layer: number | null;
  kind: Kind;
  headAxis: number | null; // axis of heads in the activation, if it has one
  posAxis: number; // axis of (query) positions
}

const BLOCK_RE = /^blocks\.(\d+)\.(.+)$/;

/** Parse and check a hook name; unknown names get the nearest valid names in the error. */
export function parseHookName(name: string, c: ModelConfig): ParsedHook {
  let layer: number | null = null;
  let kind: Kind | undefined = GLOBAL_HOOKS[name];
  const m = BLOCK_RE.exec(name);
  if (!kind && m) {
    kind = BLOCK_HOOKS[m[2]];
    if (kind) {
      layer = Number(m[1]);
      if (layer >= c.nLayers) {
        throw new CircuitspecError(`hook '${name}': layer ${layer} is out of range (the model has layers 0..${c.nLayers - 1})`, { field: name });
      }
    }
  }
  if (!kind) {
    const near = nearestNames(name, hookNames(c), 3);
    throw new CircuitspecError(`unknown hook name '${name}'; did you mean ${near.map((n) => `'${n}'`).join(', ')}?`, { field: name });
  }
  const headAxis = kind === 'qkvz' || kind === 'result' ? 2 : kind === 'scores' ? 1 : null;
  return { name, layer, kind, headAxis, posAxis: kind === 'scores' ? 2 : 1 };
}

/** The activation's shape in a run computing positions start..K-1 of a batch of B (P = K − start). */
export function hookShape(h: ParsedHook, c: ModelConfig, B: number, K: number, start = 0): number[] {
  const P = K - start;
  switch (h.kind) {
    case 'resid': return [B, P, c.dModel];
    case 'scale': return [B, P, 1];
    case 'qkvz': return [B, P, c.nHeads, c.dHead];
    case 'scores': return [B, c.nHeads, P, K];
    case 'result': return [B, P, c.nHeads, c.dModel];
    case 'mlp': return [B, P, c.dMlp];
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Promise) return 'a Promise (callbacks must be synchronous)';
  return typeof v === 'object' ? `an object (${(v as object).constructor?.name ?? 'Object'})` : `${typeof v} ${JSON.stringify(v)}`;
}

/** Run-time shape facts the hooks are checked against. */
export interface RunShape { B: number; K: number; start: number }

/** Check every hook before any compute; returns them parsed. */
export function validateHooks(hooks: Hook[], c: ModelConfig, run: RunShape): ParsedHook[] {
  if (!Array.isArray(hooks)) throw new CircuitspecError(`hooks must be an array of {name, value} or {name, fn} (got ${describe(hooks)})`, { field: 'hooks' });
  return hooks.map((hook, i) => {
    if (!hook || typeof hook.name !== 'string') throw new CircuitspecError(`hooks[${i}] needs a 'name'`, { field: `hooks[${i}]` });
    const p = parseHookName(hook.name, c);
    if ('fn' in hook) {
      if (typeof hook.fn !== 'function') throw new CircuitspecError(`hook '${hook.name}': fn must be a function`, { field: hook.name });
      return p;
    }
    if (!('value' in hook) || !(hook.value instanceof tf.Tensor || hook.value instanceof Float32Array)) {
      throw new CircuitspecError(`hook '${p.name}' needs either 'fn' or a 'value' (tf.Tensor or Float32Array)`, { field: p.name });
    }
    if (hook.value instanceof tf.Tensor && hook.value.isDisposed) throw new CircuitspecError(`hook '${p.name}': its value tensor was already disposed`, { field: p.name });
    const runShape = hookShape(p, c, run.B, run.K, run.start);
    replacementShape(hook.value, p, runShape, hookShape(p, c, run.B, run.K, 0), run.start);
    if (hook.heads !== undefined && !Array.isArray(hook.heads)) throw new CircuitspecError(`hook '${hook.name}': heads must be an array of head indices (got ${describe(hook.heads)})`, { field: hook.name });
    if (hook.heads) {
      if (p.headAxis === null) throw new CircuitspecError(`hook '${hook.name}' has no head axis, so 'heads' cannot be used`, { field: hook.name });
      for (const h of hook.heads) {
        if (!Number.isInteger(h) || h < 0 || h >= c.nHeads) {
          throw new CircuitspecError(`hook '${hook.name}': head ${h} is out of range (0..${c.nHeads - 1})`, { field: hook.name });
        }
      }
    }
    if (hook.positions) checkPositions(hook.name, hook.positions, run);
    return p;
  });
}

function checkPositions(name: string, positions: number[] | number[][], run: RunShape): void {
  const perRow = Array.isArray(positions[0]);
  if (perRow && positions.length !== run.B) {
    throw new CircuitspecError(`hook '${name}': positions has ${positions.length} rows for a batch of ${run.B}`, { field: name });
  }
  const rows = (perRow ? positions : [positions]) as number[][];
  for (const row of rows) {
    if (!Array.isArray(row)) throw new CircuitspecError(`hook '${name}': positions must be number[] or number[][]`, { field: name });
    for (const pos of row) {
      if (!Number.isInteger(pos) || pos < 0 || pos >= run.K) {
        throw new CircuitspecError(`hook '${name}': position ${pos} is out of range (0..${run.K - 1})`, { field: name });
      }
      if (pos < run.start) {
        throw new CircuitspecError(`hook '${name}': position ${pos} is before startPos ${run.start}, which this run does not recompute`, { field: name });
      }
    }
  }
}

/**
 * A replacement may have the run's shape, the full-sequence shape (sliced to positions >= start), and batch 1
 * (broadcast over the batch). Returns which of those it is.
 */
function replacementShape(
  value: tf.Tensor | Float32Array, p: ParsedHook, runShape: number[], fullShape: number[], start: number,
): { shape: number[]; full: boolean } {
  const shapes: { shape: number[]; full: boolean }[] = [{ shape: runShape, full: false }];
  if (start > 0) shapes.push({ shape: fullShape, full: true });
  for (const s of shapes.slice()) shapes.push({ shape: [1, ...s.shape.slice(1)], full: s.full });
  const got = value instanceof Float32Array ? null : value.shape;
  for (const s of shapes) {
    if (got ? sameShape(got, s.shape) : (value as Float32Array).length === size(s.shape)) return s;
  }
  const what = got ? `shape [${got.join(', ')}]` : `${(value as Float32Array).length} values`;
  throw new CircuitspecError(
    `hook '${p.name}': replacement has ${what}, expected [${runShape.join(', ')}]` +
      (start > 0 ? ` (or the full-sequence [${fullShape.join(', ')}])` : '') + ' or batch 1',
    { field: p.name },
  );
}

/** Names the run must cache: a list (validated) or a predicate over hookNames. */
export type CacheRequest = string[] | ((name: string) => boolean);

export function resolveCacheNames(req: CacheRequest | undefined, c: ModelConfig): Set<string> {
  const all = hookNames(c);
  if (req === undefined) return new Set(all.filter((n) => !n.endsWith('.hook_result')));
  if (typeof req === 'function') return new Set(all.filter(req));
  for (const n of req) parseHookName(n, c);
  return new Set(req);
}

/** Builds the forward's HookRunner: applies hooks in order, then hands cached names to `store`. */
export function makeRunner(
  hooks: Hook[], parsed: ParsedHook[], c: ModelConfig, run: RunShape,
  cached: Set<string>, store: (name: string, x: tf.Tensor) => void,
): HookRunner {
  const byName = new Map<string, { hook: Hook; p: ParsedHook }[]>();
  hooks.forEach((hook, i) => {
    const list = byName.get(hook.name) ?? [];
    list.push({ hook, p: parsed[i] });
    byName.set(hook.name, list);
  });
  return {
    wants: (name) => byName.has(name) || cached.has(name),
    apply: (name, layer, x) => {
      let y = x;
      for (const { hook, p } of byName.get(name) ?? []) {
        if ('fn' in hook) {
          const r: unknown = hook.fn(y, { name, layer });
          if (r !== undefined && r !== null) {
            if (!(r instanceof tf.Tensor)) throw new CircuitspecError(`hook '${name}': callback returned ${describe(r)}; return a tf.Tensor of shape [${y.shape.join(', ')}], or nothing to keep the activation`, { field: name });
            if (r.isDisposed) throw new CircuitspecError(`hook '${name}': callback returned a disposed tensor (return a new one, not one it disposed or one made inside a finished tf.tidy)`, { field: name });
            if (!sameShape(r.shape, y.shape)) {
              throw new CircuitspecError(`hook '${name}': callback returned shape [${r.shape.join(', ')}], expected [${y.shape.join(', ')}]`, { field: name });
            }
            y = r;
          }
        } else {
          y = replace(y, hook, p, c, run);
        }
      }
      if (cached.has(name)) store(name, y);
      return y;
    },
  };
}

/** x with `hook.value` written at the selected heads and positions (all of them when unspecified). */
function replace(
  x: tf.Tensor, hook: Extract<Hook, { value: unknown }>, p: ParsedHook, c: ModelConfig, run: RunShape,
): tf.Tensor {
  const full = hookShape(p, c, run.B, run.K, 0);
  const { shape, full: isFull } = replacementShape(hook.value, p, x.shape, full, run.start);
  let v = hook.value instanceof tf.Tensor ? hook.value : tf.tensor(hook.value, shape);
  if (isFull) {
    // Drop positions before start (they are not recomputed in this run).
    const begin = shape.map((_, i) => (i === p.posAxis ? run.start : 0));
    const sz = shape.map((s, i) => (i === p.posAxis ? s - run.start : s));
    v = tf.slice(v, begin, sz);
  }
  if (v.shape[0] !== x.shape[0]) v = repeat(v, x.shape[0]); // tf.broadcastTo is ~100× slower on wasm
  if (!hook.heads && !hook.positions) return v === hook.value ? tf.clone(v) : v;
  return tf.where(selectionMask(x.shape, p, hook.heads, hook.positions, run.start), v, x);
}

/**
 * Bool mask of x's shape [B, (H), P, ...] with 1 where head ∈ heads and position ∈ positions (row-specific or not);
 * written out whole here, since broadcasting a small mask on wasm costs more than the where() itself.
 */
function selectionMask(
  shape: number[], p: ParsedHook, heads: number[] | undefined, positions: number[] | number[][] | undefined, start: number,
): tf.Tensor {
  const B = shape[0];
  const P = shape[p.posAxis];
  const H = p.headAxis !== null ? shape[p.headAxis] : 1;
  const headOk = new Uint8Array(H).fill(heads ? 0 : 1);
  for (const h of heads ?? []) headOk[h] = 1;
  const rowPos = (b: number): number[] | null =>
    positions === undefined ? null : Array.isArray(positions[0]) ? (positions as number[][])[b] : (positions as number[]);
  // The selection over B, then heads/positions at their axes; the axes after them (features) repeat it.
  const lead = Math.max(p.posAxis, p.headAxis ?? 0) + 1;
  const inner = size(shape.slice(lead));
  const m = new Uint8Array(B * H * P * inner);
  const headFirst = p.headAxis !== null && p.headAxis < p.posAxis;
  for (let b = 0; b < B; b++) {
    const rp = rowPos(b);
    const posOk = new Uint8Array(P).fill(rp ? 0 : 1);
    for (const pos of rp ?? []) posOk[pos - start] = 1;
    for (let h = 0; h < H; h++) {
      for (let q = 0; q < P; q++) {
        const idx = headFirst ? (b * H + h) * P + q : (b * P + q) * H + h;
        if (headOk[h] & posOk[q]) m.fill(1, idx * inner, (idx + 1) * inner);
      }
    }
  }
  return tf.tensor(m, shape, 'bool');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function size(s: number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** The `k` valid names closest to `name` (edit distance on the layer-free template, then on the full name). */
export function nearestNames(name: string, valid: string[], k: number): string[] {
  const scored = valid.map((v) => ({ v, d: editDistance(name, v) }));
  scored.sort((a, b) => a.d - b.d || a.v.localeCompare(b.v));
  return scored.slice(0, k).map((s) => s.v);
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
