/**
 * Attention between a task's role positions, every head, for reports: the mean over the first batch's clean
 * prompts (one shared run, cached patterns of every layer), and one prompt's attention rows from each role.
 */
import { rolePositions } from './batches.js';
import { batchesOf, sharedRun, taskOf } from './context.js';
import type { ExperimentContext } from './types.js';

export interface TaskAttention {
  /** Roles present in every prompt of the batch, in the task's order (END last). */
  roles: string[];
  /** How many prompts the means are over. */
  prompts: number;
  /** mean[layer][head][from][to]: attention from role `from`'s position to role `to`'s (0 when `to` is later). */
  mean: number[][][][];
  /** One prompt: its tokens, role positions, and per role rows[layer][head][key] for the keys up to that role. */
  example: { id: string; tokens: string[]; roles: Record<string, number>; rows: Record<string, number[][][]> };
}

/** Four decimals are plenty for a picture and keep a GPT-2 medium results file small. */
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export async function attentionSummary(ctx: ExperimentContext, task: string): Promise<TaskAttention> {
  const set = taskOf(ctx, task);
  const [batch] = batchesOf(ctx, task);
  const { nLayers, nHeads } = ctx.model.config;
  const names = Array.from({ length: nLayers }, (_, l) => `blocks.${l}.attn.hook_pattern`);
  const { cache } = await sharedRun(ctx, task, batch, 'clean', names);
  const roles = [...new Set([...set.roleNames.filter((r) => r !== 'END'), 'END'])]
    .filter((r) => batch.prompts.every((p) => r === 'END' || p.roles[r] !== undefined));
  const pos = roles.map((r) => rolePositions(set, batch.prompts, r)); // [role][row]
  const B = batch.prompts.length;
  const first = batch.prompts[0];
  const mean: number[][][][] = [];
  const rows: Record<string, number[][][]> = Object.fromEntries(roles.map((r) => [r, [] as number[][][]]));
  for (let l = 0; l < nLayers; l++) {
    const { data, shape } = cache!.array(names[l]); // [B, H, P, K]
    const [, H, P, K] = shape;
    const at = (b: number, h: number, q: number, k: number) => data[((b * H + h) * P + q) * K + k];
    mean.push(Array.from({ length: nHeads }, (_, h) =>
      roles.map((_, i) => roles.map((__, j) => {
        let sum = 0;
        for (let b = 0; b < B; b++) sum += at(b, h, pos[i][b], pos[j][b]);
        return r4(sum / B);
      }))));
    roles.forEach((r, i) => {
      const q = pos[i][0];
      rows[r].push(Array.from({ length: nHeads }, (_, h) => Array.from({ length: q + 1 }, (__, k) => r4(at(0, h, q, k)))));
    });
  }
  return {
    roles,
    prompts: B,
    mean,
    example: {
      id: first.id,
      tokens: ctx.model.tokenizer.toStrTokens(first.tokens),
      roles: Object.fromEntries(roles.map((r, i) => [r, pos[i][0]])),
      rows,
    },
  };
}
