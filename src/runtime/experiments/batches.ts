/** A task split into model batches, with role positions per row. */
import { CircuitspecError } from '../../errors.js';
import type { Prompt, PromptSet } from '../tasks/types.js';

export interface Batch {
  index: number;
  prompts: Prompt[];
  /** Token ids per row, unpadded (the model right-pads). */
  clean: number[][];
  corrupted: number[][] | null;
  lengths: number[];
}

export function makeBatches(set: PromptSet, batchSize: number): Batch[] {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new CircuitspecError(`batchSize must be a positive integer, got ${batchSize}`, { field: 'batchSize' });
  const out: Batch[] = [];
  const allCorrupted = set.prompts.every((p) => p.corrupted);
  for (let i = 0; i < set.prompts.length; i += batchSize) {
    const prompts = set.prompts.slice(i, i + batchSize);
    out.push({
      index: out.length,
      prompts,
      clean: prompts.map((p) => p.tokens),
      corrupted: allCorrupted ? prompts.map((p) => p.corrupted!.tokens) : null,
      lengths: prompts.map((p) => p.tokens.length),
    });
  }
  return out;
}

/**
 * Batches [start, end) of shard `index` of `count`: contiguous runs of near-equal length, in order, so that
 * concatenating the shards' per-prompt results gives the one-worker order.
 */
export function shardRange(nBatches: number, shard: { index: number; count: number } | undefined): [number, number] {
  if (!shard || shard.count <= 1) return [0, nBatches];
  return [Math.floor((shard.index * nBatches) / shard.count), Math.floor(((shard.index + 1) * nBatches) / shard.count)];
}

/** The absolute position of `role` in each row; the error names the task and prompt. */
export function rolePositions(set: PromptSet, prompts: Prompt[], role: string): number[] {
  return prompts.map((p) => {
    const pos = role === 'END' ? p.tokens.length - 1 : p.roles[role];
    if (pos === undefined) {
      throw new CircuitspecError(`task '${set.name}', prompt ${p.id} has no role '${role}' (roles: ${Object.keys(p.roles).join(', ')})`, { field: `roles.${role}` });
    }
    return pos;
  });
}

/** Per row, the positions of several roles (deduplicated, ascending). */
export function rolesPositions(set: PromptSet, prompts: Prompt[], roles: string[]): number[][] {
  const cols = roles.map((r) => rolePositions(set, prompts, r));
  return prompts.map((_, b) => [...new Set(cols.map((c) => c[b]))].sort((x, y) => x - y));
}

export function requireCorrupted(set: PromptSet, what: string): void {
  const missing = set.prompts.find((p) => !p.corrupted);
  if (missing) throw new CircuitspecError(`${what} needs corrupted prompts, but task '${set.name}' prompt ${missing.id} has none (give the task a corruption)`, { field: `tasks.${set.name}` });
}

/**
 * Per row, the first position where the corrupted tokens differ from the clean ones, at most the last token (so
 * END is always computed). Tasks pair prompts of equal length (tasks/check.ts).
 */
export function divergence(clean: number[][], corrupted: number[][]): number[] {
  return clean.map((t, b) => {
    const last = Math.min(t.length, corrupted[b].length) - 1;
    let i = 0;
    while (i < last && t[i] === corrupted[b][i]) i++;
    return i;
  });
}

/**
 * Per batch: rows, padded length, and per role its earliest position (what cost estimates need); per row its
 * length, role positions and where its corruption diverges.
 */
export function batchShapes(set: PromptSet, batchSize: number): { rows: number; positions: number; roles: Record<string, number>; perRow: { lengths: number[]; roles: Record<string, number[]>; diverge?: number[] } }[] {
  return makeBatches(set, batchSize).map((b) => ({
    rows: b.prompts.length,
    perRow: {
      lengths: b.prompts.map((p) => p.tokens.length),
      roles: Object.fromEntries(set.roleNames.map((r) => [r, b.prompts.map((p) => p.roles[r] ?? p.tokens.length - 1)])),
      ...(b.corrupted && { diverge: divergence(b.clean, b.corrupted) }),
    },
    positions: Math.max(...b.lengths),
    roles: Object.fromEntries([...set.roleNames, 'END'].flatMap((r) => {
      const ps = b.prompts.map((p) => (r === 'END' ? p.tokens.length - 1 : p.roles[r])).filter((x): x is number => x !== undefined);
      return ps.length ? [[r, Math.min(...ps)]] : [];
    })),
  }));
}
