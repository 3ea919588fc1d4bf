/** Path patching: senders = heads, receivers = logits or heads' q/k/v at role positions → layers × heads table. */
import type { ExperimentContext, MetricValue } from '../../experiments/types.js';
import { normalisedTable, type PathPatchOptions, type PathPatchResult } from './common.js';
import { pathPatchFast } from './fast.js';
import { pathPatchLiteral } from './literal.js';

export { pathPatchFast } from './fast.js';
export { pathPatchLiteral } from './literal.js';
export { normalisedTable, senderList, type PathPatchOptions, type PathPatchResult } from './common.js';

/** The production path: the fast version, normalised as (patched − clean) / clean logit difference. */
export async function pathPatch(ctx: ExperimentContext, task: string, opts: PathPatchOptions): Promise<MetricValue & { raw: PathPatchResult }> {
  const raw = await pathPatchFast(ctx, task, opts);
  return { ...normalisedTable(raw), raw } as MetricValue & { raw: PathPatchResult };
}
