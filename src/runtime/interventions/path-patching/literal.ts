/**
 * Path patching by its definition, one sender at a time (the test oracle for fast.ts):
 *   1. run the clean prompt with the sender's hook_z at the sender positions taken from the corrupted run and
 *      every other head's hook_z frozen to its clean value (MLP outputs frozen too when freezeMlps), caching the
 *      receivers (the final residual, the receiver heads' q/k/v/z, or a residual hook). A z receiver is read as
 *      its head computes it, before the freeze overwrites it (Merullo et al.'s code caches it after: see
 *      paper-method notes; that would make z stages vacuous);
 *   2. rerun the clean prompt with only the receivers patched at the receiver positions and read the logits at END.
 * Two forward passes per sender.
 */
import * as tf from '@tensorflow/tfjs';
import type { Hook } from '../../model/index.js';
import { rolesPositions } from '../../experiments/batches.js';
import { batchesOf, countPositions, progress, taskOf } from '../../experiments/context.js';
import { readSummaries } from '../../experiments/logits.js';
import type { ExperimentContext } from '../../experiments/types.js';
import { logitDiff } from '../../metrics/logit-diff.js';
import { requireCorrupted } from '../../experiments/batches.js';
import { checkPathPatch, emptyPatched, senderList, senderPositionsOf, type PathPatchOptions, type PathPatchResult } from './common.js';

export async function pathPatchLiteral(ctx: ExperimentContext, task: string, opts: PathPatchOptions): Promise<PathPatchResult> {
  const { model } = ctx;
  const { nLayers } = model.config;
  const set = taskOf(ctx, task);
  checkPathPatch(opts, model.config, set);
  requireCorrupted(set, 'path patching');
  const senders = senderList(model.config, opts);
  const zName = (l: number): string => `blocks.${l}.attn.hook_z`;
  const mlpName = (l: number): string => `blocks.${l}.hook_mlp_out`;
  const layers = Array.from({ length: nLayers }, (_, l) => l);
  const recv = opts.receivers;
  // Receiver hooks and the heads patched in each (undefined: the whole activation at the positions).
  const recvHooks: { name: string; heads?: number[] }[] = recv === 'logits'
    ? [{ name: `blocks.${nLayers - 1}.hook_resid_post` }]
    : 'resid' in recv
      ? [{ name: `blocks.${recv.layer}.hook_${recv.resid}` }]
      : [...new Set(recv.heads.map((h) => h.layer))].map((l) => ({
        name: `blocks.${l}.attn.hook_${recv.input}`, heads: recv.heads.filter((h) => h.layer === l).map((h) => h.head),
      }));
  const zRecv = recv !== 'logits' && 'heads' in recv && recv.input === 'z';
  const result: PathPatchResult = { clean: [], corrupted: [], patched: emptyPatched(model.config), batchSizes: [] };
  const batches = batchesOf(ctx, task);
  let done = 0;
  for (const batch of batches) {
    const K = Math.max(...batch.lengths);
    const B = batch.prompts.length;
    const ld = async (logits: tf.Tensor): Promise<number[]> => (await readSummaries(logits, set, batch.prompts)).map((s) => logitDiff(s, opts.versus));
    const clean = await model.runWithCache(batch.clean, { names: [...layers.map(zName), ...layers.map(mlpName)], logitsAt: 'last' });
    const corr = await model.runWithCache(batch.corrupted!, { names: layers.map(zName), logitsAt: 'last' });
    countPositions(ctx, 2 * B * K);
    try {
      result.clean.push(...(await ld(clean.logits)));
      result.corrupted.push(...(await ld(corr.logits)));
      result.batchSizes.push(B);
      const sp = senderPositionsOf(opts);
      const senderPos = sp ? rolesPositions(set, batch.prompts, sp) : undefined;
      const recvPos = recv === 'logits' ? undefined : rolesPositions(set, batch.prompts, recv.positions);
      for (const s of senders) {
        const seen = new Map<string, tf.Tensor>();
        // z receivers: read before the freeze (hooks on one name apply in order).
        const hooks: Hook[] = zRecv ? recvHooks.map((r) => ({ name: r.name, fn: (x: tf.Tensor) => { seen.set(r.name, tf.keep(x.clone())); } })) : [];
        hooks.push(...layers.map((l) => ({ name: zName(l), value: clean.cache.get(zName(l)) })));
        hooks.push({ name: zName(s.layer), value: corr.cache.get(zName(s.layer)), heads: [s.head], positions: senderPos });
        if (opts.freezeMlps) hooks.push(...layers.map((l) => ({ name: mlpName(l), value: clean.cache.get(mlpName(l)) })));
        const run1 = await model.runWithCache(batch.clean, { hooks, names: zRecv ? [] : recvHooks.map((r) => r.name), logitsAt: 'none' });
        run1.logits.dispose();
        try {
          const patch: Hook[] = recvHooks.map((r) => ({
            name: r.name, value: zRecv ? seen.get(r.name)! : run1.cache.get(r.name), heads: r.heads, positions: recvPos,
          }));
          const run2 = await model.runWithHooks(batch.clean, { hooks: patch, logitsAt: 'last' });
          result.patched[s.layer][s.head].push(...(await ld(run2.logits)));
          run2.logits.dispose();
        } finally {
          run1.cache.dispose();
          seen.forEach((t) => t.dispose());
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
