/** Shared definitions of path patching: the request, its checks, sender rules, the per-prompt result, normalisation. */
import { CircuitspecError } from '../../../errors.js';
import type { ModelConfig } from '../../model/index.js';
import type { Head, MetricValue, PathPatchNormalization, PathPatchReceivers, SenderRules } from '../../experiments/types.js';
import type { PromptSet } from '../../tasks/types.js';
import { mean } from '../../metrics/scalar.js';
import type { Versus } from '../../metrics/logit-diff.js';

export interface PathPatchOptions extends SenderRules {
  receivers: PathPatchReceivers;
  /** Roles where senders are patched; default: every position (for z receivers: the receiver positions). */
  senderPositions?: string[];
  /** Freeze MLPs to their clean outputs (default false: MLPs are recomputed, as in Wang et al. and Merullo et al.). */
  freezeMlps?: boolean;
  versus?: Versus;
  /** Only these senders (default all heads, less those the sender rules exclude); others get NaN. */
  senders?: Head[];
  /** Rows × positions one suffix rerun holds at once (memory bound; default RERUN_ROWS). */
  rerunRows?: number;
}

export interface PathPatchResult {
  /** Logit difference per prompt on the clean run. */
  clean: number[];
  /** Logit difference per prompt on the corrupted run (same answer pair as the clean one). */
  corrupted: number[];
  /** patched[layer][head][prompt]: logit difference with that sender's path patched; [] for senders not scored. */
  patched: number[][][];
  /** Prompts per batch, in order (the paper's normalisation averages per-batch ratios). */
  batchSizes: number[];
}

/** Receiver heads (none for logits and residual receivers). */
export function receiverHeads(r: PathPatchReceivers): Head[] {
  return r !== 'logits' && 'heads' in r ? r.heads : [];
}

export function checkPathPatch(opts: PathPatchOptions, config: ModelConfig, set: PromptSet): void {
  const where = `path_patch on task '${set.name}'`;
  const roles = (rs: string[] | undefined, what: string): void => {
    for (const r of rs ?? []) {
      if (r !== 'END' && !set.roleNames.includes(r)) throw new CircuitspecError(`${where}: unknown ${what} role '${r}' (roles: ${set.roleNames.join(', ')})`, { field: what });
    }
  };
  roles(opts.senderPositions, 'senderPositions');
  const r = opts.receivers;
  if (r === 'logits') return;
  if (!r || !r.positions?.length) throw new CircuitspecError(`${where}: receivers must be 'logits', { heads, input, positions } or { resid, layer, positions }`, { field: 'receivers' });
  roles(r.positions, 'receivers.positions');
  if ('resid' in r) {
    if (!['resid_pre', 'resid_mid', 'resid_post'].includes(r.resid)) throw new CircuitspecError(`${where}: receivers.resid must be resid_pre, resid_mid or resid_post, got '${String(r.resid)}'`, { field: 'receivers.resid' });
    if (!(Number.isInteger(r.layer) && r.layer >= 0 && r.layer < config.nLayers)) throw new CircuitspecError(`${where}: receiver layer ${r.layer} is not in the model (layers 0..${config.nLayers - 1})`, { field: 'receivers.layer' });
    return;
  }
  if (!Array.isArray(r.heads) || r.heads.length === 0) throw new CircuitspecError(`${where}: head receivers need at least one head`, { field: 'receivers.heads' });
  if (!['q', 'k', 'v', 'z'].includes(r.input)) throw new CircuitspecError(`${where}: receivers.input must be q, k, v or z, got '${String(r.input)}'`, { field: 'receivers.input' });
  for (const h of r.heads) {
    if (!(Number.isInteger(h.layer) && h.layer >= 0 && h.layer < config.nLayers && Number.isInteger(h.head) && h.head >= 0 && h.head < config.nHeads)) {
      throw new CircuitspecError(`${where}: receiver head ${h.layer}.${h.head} is not in the model (${config.nLayers} layers × ${config.nHeads} heads)`, { field: 'receivers.heads' });
    }
  }
  if (r.input === 'z' && opts.senderPositions && !sameSet(opts.senderPositions, r.positions)) {
    // A z receiver reads keys/values at every earlier position: senders elsewhere would need a full rerun each.
    throw new CircuitspecError(`${where}: z receivers take senders at the receiver positions only (as Merullo et al.'s single position); got senders [${opts.senderPositions.join(', ')}] and receivers [${r.positions.join(', ')}]`, { field: 'senderPositions' });
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Sender positions in effect: as given, else the receiver positions for z receivers, else every position. */
export function senderPositionsOf(opts: PathPatchOptions): string[] | undefined {
  const r = opts.receivers;
  if (opts.senderPositions) return opts.senderPositions;
  return r !== 'logits' && 'heads' in r && r.input === 'z' ? r.positions : undefined;
}

/** The senders scored: all heads (or `senders`), less those the sender rules exclude. */
export function senderList(config: Pick<ModelConfig, 'nLayers' | 'nHeads'>, opts: Pick<PathPatchOptions, 'senders' | 'receivers' | keyof SenderRules>): Head[] {
  const all: Head[] = [];
  for (let l = 0; l < config.nLayers; l++) for (let h = 0; h < config.nHeads; h++) all.push({ layer: l, head: h });
  const recv = receiverHeads(opts.receivers);
  const lowest = recv.length ? Math.min(...recv.map((h) => h.layer)) : config.nLayers;
  const isRecv = new Set(recv.map((h) => `${h.layer}.${h.head}`));
  return (opts.senders ?? all).filter((s) =>
    !(opts.sendersBelowReceivers && s.layer >= lowest) && !(opts.excludeReceivers && isRecv.has(`${s.layer}.${s.head}`)));
}

export function emptyPatched(config: ModelConfig): number[][][] {
  return Array.from({ length: config.nLayers }, () => Array.from({ length: config.nHeads }, () => [] as number[]));
}

/** The layers × heads table in the chosen normalisation (default relative_clean); NaN for senders not scored. */
export function normalisedTable(r: PathPatchResult, normalization: PathPatchNormalization = 'relative_clean'): MetricValue {
  let score: (per: number[]) => number;
  if (normalization === 'gap_percent') {
    const bounds: [number, number][] = [];
    let at = 0;
    for (const n of r.batchSizes) bounds.push([at, (at += n)]);
    score = (per) => -100 * mean(bounds.map(([a, b]) => {
      const c = mean(r.clean.slice(a, b));
      return (mean(per.slice(a, b)) - c) / (mean(r.corrupted.slice(a, b)) - c);
    }));
  } else {
    const c = mean(r.clean);
    score = (per) => (mean(per) - c) / c;
  }
  const values = r.patched.map((row) => row.map((per) => (per.length ? score(per) : NaN)));
  const unscored = r.patched.flatMap((row, l) => row.flatMap((per, h) => (per.length ? [] : [`${l}.${h}`])));
  return { type: 'heads', nLayers: values.length, nHeads: values[0]?.length ?? 0, values, normalization, ...(unscored.length && { unscored }) };
}
