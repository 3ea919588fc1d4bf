/** Shared definitions of path patching: the request, the per-prompt result, and the normalised table. */
import { CircuitspecError } from '../../../errors.js';
import type { ModelConfig } from '../../model/index.js';
import type { Head, MetricValue, PathPatchReceivers } from '../../experiments/types.js';
import type { PromptSet } from '../../tasks/types.js';
import { mean } from '../../metrics/scalar.js';
import type { Versus } from '../../metrics/logit-diff.js';

export interface PathPatchOptions {
  receivers: PathPatchReceivers;
  /** Roles where senders are patched; default: every position. */
  senderPositions?: string[];
  /** Freeze MLPs to their clean outputs (default false: MLPs are recomputed, as in Wang et al.). */
  freezeMlps?: boolean;
  versus?: Versus;
  /** Only these senders (default all heads); others get NaN. */
  senders?: Head[];
}

export interface PathPatchResult {
  /** Logit difference per prompt on the clean run. */
  clean: number[];
  /** patched[layer][head][prompt]: logit difference with that sender's path patched. */
  patched: number[][][];
}

export function checkPathPatch(opts: PathPatchOptions, config: ModelConfig, set: PromptSet): void {
  const where = `path_patch on task '${set.name}'`;
  const roles = (rs: string[] | undefined, what: string): void => {
    for (const r of rs ?? []) {
      if (r !== 'END' && !set.roleNames.includes(r)) throw new CircuitspecError(`${where}: unknown ${what} role '${r}' (roles: ${set.roleNames.join(', ')})`, { field: what });
    }
  };
  roles(opts.senderPositions, 'senderPositions');
  if (opts.receivers !== 'logits') {
    const r = opts.receivers;
    if (!r || !Array.isArray(r.heads) || r.heads.length === 0) throw new CircuitspecError(`${where}: receivers must be 'logits' or { heads, input, positions } with at least one head`, { field: 'receivers' });
    if (!['q', 'k', 'v'].includes(r.input)) throw new CircuitspecError(`${where}: receivers.input must be q, k or v, got '${String(r.input)}'`, { field: 'receivers.input' });
    if (!r.positions?.length) throw new CircuitspecError(`${where}: receivers.positions must name at least one role`, { field: 'receivers.positions' });
    roles(r.positions, 'receivers.positions');
    for (const h of r.heads) {
      if (!(Number.isInteger(h.layer) && h.layer >= 0 && h.layer < config.nLayers && Number.isInteger(h.head) && h.head >= 0 && h.head < config.nHeads)) {
        throw new CircuitspecError(`${where}: receiver head ${h.layer}.${h.head} is not in the model (${config.nLayers} layers × ${config.nHeads} heads)`, { field: 'receivers.heads' });
      }
    }
  }
}

/** The layers × heads table: (mean patched − mean clean) / mean clean logit difference (Wang et al.'s measure). */
export function normalisedTable(r: PathPatchResult): MetricValue {
  const c = mean(r.clean);
  const values = r.patched.map((row) => row.map((per) => (per.length ? (mean(per) - c) / c : NaN)));
  return { type: 'heads', nLayers: values.length, nHeads: values[0]?.length ?? 0, values };
}

export function senderList(config: ModelConfig, senders?: Head[]): Head[] {
  if (senders) return senders;
  const out: Head[] = [];
  for (let l = 0; l < config.nLayers; l++) for (let h = 0; h < config.nHeads; h++) out.push({ layer: l, head: h });
  return out;
}

export function emptyPatched(config: ModelConfig): number[][][] {
  return Array.from({ length: config.nLayers }, () => Array.from({ length: config.nHeads }, () => [] as number[]));
}
