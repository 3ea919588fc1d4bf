/**
 * Path patching by its definition, one sender at a time (the test oracle for fast.ts):
 *   1. run the clean prompt with the sender's hook_z at the sender positions taken from the corrupted run and
 *      every other head's hook_z frozen to its clean value (MLP outputs frozen too when freezeMlps), caching the
 *      receivers' inputs (the final residual, or the receiver heads' q/k/v);
 *   2. rerun the clean prompt with only the receivers' inputs patched to those values and read the logits at END.
 * Two forward passes per sender.
 */
import type { Hook } from '../../model/index.js';
import { rolesPositions } from '../../experiments/batches.js';
import { batchesOf, countPositions, progress, taskOf } from '../../experiments/context.js';
import { summarize } from '../../experiments/logits.js';
import type { ExperimentContext } from '../../experiments/types.js';
import { logitDiff } from '../../metrics/logit-diff.js';
import { requireCorrupted } from '../../experiments/batches.js';
import { checkPathPatch, emptyPatched, senderList, type PathPatchOptions, type PathPatchResult } from './common.js';

export async function pathPatchLiteral(ctx: ExperimentContext, task: string, opts: PathPatchOptions): Promise<PathPatchResult> {
  const { model } = ctx;
  const { nLayers } = model.config;
  const set = taskOf(ctx, task);
  checkPathPatch(opts, model.config, set);
  requireCorrupted(set, 'path patching');
  const senders = senderList(model.config, opts.senders);
  const zName = (l: number): string => `blocks.${l}.attn.hook_z`;
  const mlpName = (l: number): string => `blocks.${l}.hook_mlp_out`;
  const layers = Array.from({ length: nLayers }, (_, l) => l);
  const recv = opts.receivers;
  const recvNames = recv === 'logits' ? [`blocks.${nLayers - 1}.hook_resid_post`] : [...new Set(recv.heads.map((h) => `blocks.${h.layer}.attn.hook_${recv.input}`))];
  const result = { clean: [] as number[], patched: emptyPatched(model.config) };
  const batches = batchesOf(ctx, task);
  let done = 0;
  for (const batch of batches) {
    const K = Math.max(...batch.lengths);
    const B = batch.prompts.length;
    const ld = (logits: import('@tensorflow/tfjs').Tensor): number[] => summarize(logits, set, batch.prompts).map((s) => logitDiff(s, opts.versus));
    const clean = await model.runWithCache(batch.clean, { names: [...layers.map(zName), ...layers.map(mlpName)], logitsAt: 'last' });
    const corr = await model.runWithCache(batch.corrupted!, { names: layers.map(zName), logitsAt: 'none' });
    countPositions(ctx, 2 * B * K);
    try {
      result.clean.push(...ld(clean.logits));
      const senderPos = opts.senderPositions ? rolesPositions(set, batch.prompts, opts.senderPositions) : undefined;
      const recvPos = recv === 'logits' ? undefined : rolesPositions(set, batch.prompts, recv.positions);
      for (const s of senders) {
        const hooks: Hook[] = layers.map((l) => ({ name: zName(l), value: clean.cache.get(zName(l)) }));
        hooks.push({ name: zName(s.layer), value: corr.cache.get(zName(s.layer)), heads: [s.head], positions: senderPos });
        if (opts.freezeMlps) hooks.push(...layers.map((l) => ({ name: mlpName(l), value: clean.cache.get(mlpName(l)) })));
        const run1 = await model.runWithCache(batch.clean, { hooks, names: recvNames, logitsAt: 'none' });
        run1.logits.dispose();
        try {
          const recvHooks: Hook[] = recv === 'logits'
            ? [{ name: recvNames[0], value: run1.cache.get(recvNames[0]) }]
            : recvNames.map((name) => {
              const layer = Number(name.split('.')[1]);
              return { name, value: run1.cache.get(name), heads: recv.heads.filter((h) => h.layer === layer).map((h) => h.head), positions: recvPos };
            });
          const run2 = await model.runWithHooks(batch.clean, { hooks: recvHooks, logitsAt: 'last' });
          result.patched[s.layer][s.head].push(...ld(run2.logits));
          run2.logits.dispose();
        } finally {
          run1.cache.dispose();
        }
        countPositions(ctx, 2 * B * K);
        progress(ctx, `${task}: literal path patching`, ++done, senders.length * batches.length);
      }
    } finally {
      clean.logits.dispose();
      clean.cache.dispose();
      corr.logits.dispose();
      corr.cache.dispose();
    }
  }
  return result;
}
