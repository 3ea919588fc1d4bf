/** Spec circuits → circuit steps: path-patching stages (receivers may be earlier stages), or declared heads. */
import type { PlanStage } from '../../plan/types.js';
import { parseExpr } from '../expr/index.js';
import type { CircuitSpec } from '../schema.js';
import { didYouMean } from '../suggest.js';
import type { CompileContext } from './context.js';
import { selectHeads } from './heads.js';
import { allPositions, checkRole, lookupTask, pathPatchRules, residReceiver } from './metrics.js';

export interface CompiledCircuit {
  name: string;
  task?: string;
  stages: PlanStage[];
  declared?: { layer: number; head: number; role: string }[];
  roles: string[];
}

export function compileCircuit(ctx: CompileContext, name: string, c: CircuitSpec): CompiledCircuit {
  const path = ['circuits', name];
  if ((c.stages === undefined) === (c.heads === undefined)) {
    throw ctx.at(path, true)(`a circuit has either 'stages' (discovered on a task) or 'heads' (declared), not ${c.stages ? 'both' : 'neither'}`);
  }
  if (c.heads) {
    const declared: CompiledCircuit['declared'] = [];
    for (const [role, text] of Object.entries(c.heads)) {
      const origin = ctx.origin([...path, 'heads', role], text);
      const sel = selectHeads(parseExpr(text, origin), ctx.shape, origin, ctx.modelLabel);
      if (sel.names.length) throw origin.error(`'${sel.names[0].name}' is not a head: declared circuits list heads`, sel.names[0].offset);
      for (const h of sel.heads) declared.push({ ...h, role });
    }
    return { name, task: c.task, stages: [], declared, roles: Object.keys(c.heads) };
  }
  const task = lookupTask(ctx, c.task === undefined ? undefined : { name: c.task, blame: ctx.at([...path, 'task']) }, ctx.at(path, true));
  const stages: PlanStage[] = [];
  c.stages!.forEach((s, i) => {
    const sp = [...path, 'stages', i];
    if (stages.some((x) => x.name === s.name)) throw ctx.at([...sp, 'name'])(`stage '${s.name}' is defined twice`);
    const role = (r: string, p: (string | number)[]) => checkRole(task, { name: r, blame: ctx.at(p) });
    let receiver: PlanStage['receiver'] = 'logits';
    if (s.receiver !== undefined && s.receiver !== 'logits' && 'hook' in s.receiver) {
      receiver = {
        ...residReceiver(s.receiver.hook, ctx, ctx.at([...sp, 'receiver', 'hook'])),
        positions: s.receiver.positions.map((p, j) => role(p, [...sp, 'receiver', 'positions', j])),
      };
    } else if (s.receiver !== undefined && s.receiver !== 'logits') {
      const origin = ctx.origin([...sp, 'receiver', 'heads'], s.receiver.heads);
      const sel = selectHeads(parseExpr(s.receiver.heads, origin), ctx.shape, origin, ctx.modelLabel);
      for (const n of sel.names) {
        if (!stages.some((x) => x.name === n.name)) {
          const earlier = stages.map((x) => x.name);
          throw origin.error(`'${n.name}' is not an earlier stage of circuit '${name}'${didYouMean(n.name, earlier)} (earlier stages: ${earlier.join(', ') || 'none'})`, n.offset);
        }
      }
      receiver = {
        heads: sel.heads,
        stages: sel.names.map((n) => n.name),
        input: s.receiver.input,
        positions: s.receiver.positions.map((p, j) => role(p, [...sp, 'receiver', 'positions', j])),
      };
    }
    const keep: PlanStage['keep'] = {};
    if (typeof s.top === 'number') keep.topK = s.top;
    else if (typeof s.top === 'string') keep.topPercent = Number(s.top.slice(0, -1));
    if (s.threshold !== undefined) keep.threshold = s.threshold;
    if (keep.topK === undefined && keep.topPercent === undefined && keep.threshold === undefined) {
      throw ctx.at(sp)(`stage '${s.name}' keeps no heads: give 'top' (8 or "2%") or 'threshold'`);
    }
    stages.push({
      name: s.name,
      role: s.role,
      receiver,
      ...(s.senders && (allPositions(s.senders === 'all' ? [{ name: 'all', blame: ctx.at([...sp, 'senders']) }] : undefined, task, receiver)
        ? { allSenderPositions: true }
        : { senderPositions: (Array.isArray(s.senders) ? s.senders : [s.senders]).map((p, j) => role(p, [...sp, 'senders', j])) })),
      ...(s.freezeMlps !== undefined && { freezeMlps: s.freezeMlps }),
      ...pathPatchRules(ctx, { sendersBelowReceivers: s.sendersBelowReceivers, excludeReceivers: s.excludeReceivers, normalization: s.normalization }),
      keep,
      sign: s.sign ?? 'abs',
    });
  });
  return { name, task: task.name, stages, roles: [...new Set(stages.map((s) => s.role))] };
}
