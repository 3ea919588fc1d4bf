/**
 * The cost model of fast.ts, for plan estimates: what one batch of a path-patching request computes.
 *   - two capture runs, logits at END: the clean one whole, the corrupted one from where each prompt's corruption
 *     diverges (corrupted.ts; whole when the divergences are not known);
 *   - pass 1, per sender layer l: its senders' Δ rows (one per sender and pair) through the MLPs of layers
 *     l .. (last receiver layer − 1), or all layers for logit receivers;
 *   - pass 2 (receivers inside the model), per sender: its prompts' suffix (from the first receiver position),
 *     padded within the rerun groups of suffix.ts, through the blocks from the first layer it reaches, counted as
 *     that fraction of a forward (an entry block of head receivers and an unpatched last block cost less: rerunPositions).
 */
import type { Head } from '../../experiments/types.js';
import type { ModelConfig } from '../../model/index.js';
import { senderList, type PathPatchOptions } from './common.js';
import { lastBlockUnpatched, rerunPositions, sites } from './sites.js';
import { suffixGroups } from './suffix.js';
import { corruptedPositions } from './corrupted.js';
import { entryHeads } from './entry-block.js';

export interface PathPatchShape {
  rows: number;
  /** Prompt length (the batch's longest). */
  positions: number;
  /** Role → typical position in the batch (END = positions − 1). */
  roles: Record<string, number>;
  /** Per row, when the batch is known: its length and role positions (reruns group rows by suffix length). */
  perRow?: { lengths: number[]; roles: Record<string, number[]>; diverge?: number[] };
}

export interface PathPatchCost {
  /** Forward positions computed: rows × positions, suffix reruns pro rata of the layers they run. */
  positions: number;
  /** Pass 1: rows × MLP layers (each ≈ 16·d_model² FLOPs). */
  mlpRows: number;
  /** Rows unembedded over the whole vocabulary (the capture runs; corrupted suffix runs and reruns unembed only the answer ids). */
  logits: number;
  runs: number;
}

type Request = Pick<PathPatchOptions, 'receivers' | 'freezeMlps' | 'senderPositions' | 'sendersBelowReceivers' | 'excludeReceivers'>;

/**
 * `unknownReceivers`: receivers are found by earlier stages (unknown before the run); assume a receiver head at
 * mid-depth, as the paper's middle stages have.
 */
export function pathPatchCost(c: Pick<ModelConfig, 'nLayers' | 'nHeads'>, req: Request, b: PathPatchShape, unknownReceivers = false): PathPatchCost {
  const L = c.nLayers;
  const K = b.positions;
  const r = req.receivers;
  const receivers = r !== 'logits' && 'heads' in r && unknownReceivers && !r.heads.length
    ? { ...r, heads: [{ layer: Math.floor(L / 2), head: 0 }] as Head[] }
    : r;
  const div = b.perRow?.diverge;
  const corrupted = div ? corruptedPositions(div, b.perRow!.lengths) : b.rows * K;
  const cost: PathPatchCost = { positions: b.rows * K + corrupted, mlpRows: 0, logits: div ? b.rows : 2 * b.rows, runs: 1 + (div ? suffixGroups(div, b.perRow!.lengths).length : 1) };
  const senders = senderList(c, { ...req, receivers });
  const S = sites(receivers, c);
  const pairsPerRow = receivers === 'logits' ? 1 : receivers.positions.length;
  const mlpTop = receivers === 'logits' ? L - 1 : Math.max(...S.map((s) => s.layer)) - 1;
  const active = receivers === 'logits' ? senders : senders.filter((s) => S.some((site) => site.reach(s.layer)));
  for (const s of active) if (!req.freezeMlps) cost.mlpRows += b.rows * pairsPerRow * Math.max(0, mlpTop - s.layer + 1);
  if (receivers === 'logits') return cost;
  const K1 = (row: number): number => b.perRow!.lengths[row] - 1;
  const at = (p: string, row?: number): number =>
    row === undefined ? (p === 'END' ? K - 1 : (b.roles[p] ?? Math.floor(K / 2))) : (p === 'END' ? K1(row) : (b.perRow!.roles[p]?.[row] ?? K1(row)));
  // The rerun groups of fast.ts: one padded group of the batch when its rows are not known.
  const groups = b.perRow
    ? suffixGroups(b.perRow.lengths.map((_, row) => Math.min(...receivers.positions.map((p) => at(p, row)))), b.perRow.lengths)
        .map((G) => ({ rows: G.length, P: Math.max(...G.map((row) => K1(row) + 1 - Math.min(...receivers.positions.map((p) => at(p, row))))) }))
    : [{ rows: b.rows, P: K - Math.min(...receivers.positions.map((p) => at(p))) }];
  for (const { rows, P } of groups) {
    for (const s of active) {
      const from = Math.min(...S.filter((site) => site.reach(s.layer)).map((site) => site.layer));
      cost.positions += rerunPositions(rows, P, from, L, { endsOnly: lastBlockUnpatched(S, L), entry: !!entryHeads(S, from) });
    }
    cost.runs += Math.ceil(active.length / Math.max(1, Math.floor(2048 / (rows * P))));
  }
  return cost;
}
