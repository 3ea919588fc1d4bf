/**
 * Activation-patching sweeps: one patch per head (→ layers × heads) or per layer × role position
 * (→ layers × roles), each scored by the normalised patching score of the logit difference.
 */
import { sideSummaries, taskOf } from '../experiments/context.js';
import type { LogitSummary } from '../experiments/logits.js';
import type { ExperimentContext, Intervention } from '../experiments/types.js';
import { logitDiff, type Versus } from '../metrics/logit-diff.js';
import { patchingScore } from '../metrics/patching-score.js';
import { mean } from '../metrics/scalar.js';
import { runIntervened } from './run.js';

async function scorer(ctx: ExperimentContext, task: string, versus?: Versus): Promise<(ivs: Intervention[]) => Promise<number>> {
  const ld = (xs: LogitSummary[]): number => mean(xs.map((s) => logitDiff(s, versus)));
  const clean = ld(await sideSummaries(ctx, task, 'clean'));
  const corrupted = ld(await sideSummaries(ctx, task, 'corrupted'));
  return async (ivs) => patchingScore(ld(await runIntervened(ctx, task, ivs)), clean, corrupted);
}

/** Patch `hook` (a per-head hook, default hook_z) of each head in turn, from the corrupted run, at `positions`. */
export async function sweepHeads(
  ctx: ExperimentContext, task: string, opts: { hook?: 'hook_z' | 'hook_q' | 'hook_k' | 'hook_v' | 'hook_result' | 'hook_pattern'; positions?: string[]; versus?: Versus } = {},
): Promise<number[][]> {
  const { nLayers, nHeads } = ctx.model.config;
  const score = await scorer(ctx, task, opts.versus);
  const hook = opts.hook ?? 'hook_z';
  const out: number[][] = [];
  for (let l = 0; l < nLayers; l++) {
    const row: number[] = [];
    for (let h = 0; h < nHeads; h++) {
      row.push(await score([{ type: 'patch', hook: `blocks.${l}.attn.${hook}`, heads: [h], positions: opts.positions, from: 'corrupted' }]));
    }
    out.push(row);
  }
  return out;
}

/** Patch a residual-stream hook (default hook_resid_pre) at each layer × role; values[layer][roleIndex]. */
export async function sweepLayersPositions(
  ctx: ExperimentContext, task: string, opts: { hook?: string; roles?: string[]; versus?: Versus } = {},
): Promise<{ roles: string[]; values: number[][] }> {
  const { nLayers } = ctx.model.config;
  const roles = opts.roles ?? taskOf(ctx, task).roleNames;
  const score = await scorer(ctx, task, opts.versus);
  const hook = opts.hook ?? 'hook_resid_pre';
  const values: number[][] = [];
  for (let l = 0; l < nLayers; l++) {
    const row: number[] = [];
    for (const r of roles) row.push(await score([{ type: 'patch', hook: `blocks.${l}.${hook}`, positions: [r], from: 'corrupted' }]));
    values.push(row);
  }
  return { roles, values };
}
