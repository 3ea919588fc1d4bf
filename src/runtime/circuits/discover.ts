/**
 * Circuit discovery by stages (as the paper does): each stage scores heads (a path-patching table or any other
 * head table), keeps the strongest per its rule and names their role. A stage may take as receivers the heads
 * of earlier stages (`receiversFrom`). A head keeps the role of the first stage that found it.
 */
import { CircuitspecError } from '../../errors.js';
import { computeMetric } from '../experiments/compute.js';
import type { Circuit, CircuitHead, CircuitStage, ExperimentContext, Head, MetricRequest, MetricValue } from '../experiments/types.js';
import { selectHeads } from './select.js';

/** `compute` scores a stage (default computeMetric; the worker pool passes its own, which splits the batches). */
export async function discoverCircuit(
  ctx: ExperimentContext, task: string, stages: CircuitStage[], compute: (ctx: ExperimentContext, req: MetricRequest) => Promise<MetricValue> = computeMetric,
): Promise<Circuit> {
  const found = new Map<string, Head[]>();
  const heads: CircuitHead[] = [];
  const seen = new Set<string>();
  for (const [i, stage] of stages.entries()) {
    const where = `stages[${i}] '${stage.name}'`;
    if (found.has(stage.name)) throw new CircuitspecError(`${where}: two stages are named '${stage.name}'`, { field: where });
    const req = resolveReceivers(stage, found, where);
    if (!req) {
      // Its receivers are the heads of earlier stages, which kept none (e.g. no sender below the receivers
      // scored): this stage has nothing to patch into and keeps no heads either.
      found.set(stage.name, []);
      continue;
    }
    const value = await compute(ctx, req);
    if (value.type !== 'heads') throw new CircuitspecError(`${where}: '${req.kind}' gives a scalar, a stage needs a layers × heads table`, { field: `${where}.from` });
    const kept = selectHeads(value.values, stage.keep, stage.sign, where);
    found.set(stage.name, kept.map(({ layer, head }) => ({ layer, head })));
    for (const h of kept) {
      const key = `${h.layer}.${h.head}`;
      if (seen.has(key)) continue;
      seen.add(key);
      heads.push({ layer: h.layer, head: h.head, role: stage.role, stage: stage.name, score: h.score });
    }
  }
  return { task, heads };
}

function resolveReceivers(stage: CircuitStage, found: Map<string, Head[]>, where: string): MetricRequest | null {
  if (!stage.receiversFrom?.length) return stage.from;
  if (stage.from.kind !== 'path_patch' || stage.from.receivers === 'logits' || !('heads' in stage.from.receivers)) {
    throw new CircuitspecError(`${where}: receiversFrom needs a path_patch stage whose receivers are heads ({ heads, input, positions })`, { field: `${where}.receiversFrom` });
  }
  const heads: Head[] = [...stage.from.receivers.heads];
  for (const name of stage.receiversFrom) {
    const hs = found.get(name);
    if (!hs) throw new CircuitspecError(`${where}: receiversFrom names '${name}', which is not an earlier stage`, { field: `${where}.receiversFrom` });
    heads.push(...hs);
  }
  const unique = [...new Map(heads.map((h) => [`${h.layer}.${h.head}`, h])).values()];
  if (!unique.length) return null;
  return { ...stage.from, receivers: { ...stage.from.receivers, heads: unique } };
}
