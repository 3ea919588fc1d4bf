/**
 * Spec interventions → runtime Interventions (one per hook: heads across layers become one entry per layer).
 * `heads: random(…)` makes a random control: the same intervention on each random head set.
 */
import { deriveSeed } from '../../runtime/util/rng.js';
import { parseExpr } from '../expr/index.js';
import { headHookSuffix } from '../hooks.js';
import type { InterventionSpec } from '../schema.js';
import type { Head, Intervention } from '../../plan/types.js';
import type { Blame, CompileContext } from './context.js';
import { resolveSite, selectHeads } from './heads.js';
import { drawHeadSets, isRandomHeads, parseRandomHeads } from './random-heads.js';

export interface CompiledIntervention {
  name: string;
  items: Intervention[];
  /** Roles it names, checked against each task it is used with. */
  roles: { role: string; blame: Blame }[];
  /** Whether it reads the corrupted run. */
  needsCorrupted: boolean;
  /** A random control (`heads: random(…)`): one list of interventions per random head set; `items` is empty. */
  control?: { samples: Intervention[][] };
}

/** `seed`: the spec's seed, from which a random control without its own seed= derives one. */
export function compileIntervention(ctx: CompileContext, name: string, spec: InterventionSpec, seed = 0): CompiledIntervention {
  const path = ['interventions', name];
  const roles: CompiledIntervention['roles'] = [];
  const roleList = (list: string[] | undefined, field: string) => {
    (list ?? []).forEach((role, i) => roles.push({ role, blame: ctx.at([...path, field, i]) }));
    return list;
  };
  // heads: random(…) → every sample's heads; literal heads → one sample.
  const headSets = (text: string): { sets: Head[][]; random: boolean } => {
    const origin = ctx.origin([...path, 'heads'], text);
    const e = parseExpr(text, origin);
    if (!isRandomHeads(e)) return { sets: [heads('heads', text)], random: false };
    return { sets: drawHeadSets(parseRandomHeads(e, ctx.shape, origin, ctx.modelLabel, deriveSeed(seed, `control:${name}`))), random: true };
  };
  const finish = (h: { sets: Head[][]; random: boolean }, build: (hs: Head[]) => Intervention[]): CompiledIntervention =>
    h.random
      ? { name, items: [], roles, needsCorrupted: spec.type === 'patch', control: { samples: h.sets.map(build) } }
      : { name, items: build(h.sets[0]), roles, needsCorrupted: spec.type === 'patch' };
  const heads = (field: string, text: string): Head[] => {
    const origin = ctx.origin([...path, field], text);
    const sel = selectHeads(parseExpr(text, origin), ctx.shape, origin, ctx.modelLabel);
    if (sel.names.length) throw origin.error(`'${sel.names[0].name}' is not a head: interventions take literal heads`, sel.names[0].offset);
    if (sel.heads.length === 0) throw origin.error('selects no heads: the intervention would change nothing', 0);
    return sel.heads;
  };

  if (spec.type === 'attention_override') {
    const total = Object.values(spec.keys).reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6) throw ctx.at([...path, 'keys'])(`attention weights must sum to 1 (they sum to ${+total.toFixed(6)})`);
    roles.push({ role: spec.query, blame: ctx.at([...path, 'query']) });
    for (const role of Object.keys(spec.keys)) roles.push({ role, blame: ctx.at([...path, 'keys', role], true) });
    return finish(headSets(spec.heads), (hs) => [{ type: 'attention_override', heads: hs, query: spec.query, keys: { ...spec.keys } }]);
  }

  if (spec.type === 'attention_block') {
    if (spec.keys.length === 0) throw ctx.at([...path, 'keys'])('attention_block needs at least one key role to block');
    roles.push({ role: spec.query, blame: ctx.at([...path, 'query']) });
    spec.keys.forEach((role, i) => roles.push({ role, blame: ctx.at([...path, 'keys', i]) }));
    const keys = [...new Set(spec.keys)];
    return finish(headSets(spec.heads), (hs) => [{ type: 'attention_block', heads: hs, query: spec.query, keys, renormalize: spec.renormalize ?? true }]);
  }

  if ((spec.site === undefined) === (spec.heads === undefined)) {
    throw ctx.at(path)(`give either 'site' (a hook) or 'heads' (with optional 'hook'), not ${spec.site ? 'both' : 'neither'}`);
  }
  const positions = roleList(spec.positions, 'positions');
  const make = (hook: string, hs?: number[], pos = positions): Intervention => {
    const base = { hook, ...(hs ? { heads: hs } : {}), ...(pos ? { positions: pos } : {}) };
    return spec.type === 'patch'
      ? { type: 'patch', ...base, from: spec.from ?? 'corrupted' }
      : { type: 'ablate', ...base, method: spec.method, ...(spec.seed !== undefined ? { seed: spec.seed } : {}) };
  };
  const needsCorrupted = spec.type === 'patch';
  let items: Intervention[];
  if (spec.site !== undefined) {
    const origin = ctx.origin([...path, 'site'], spec.site);
    const site = resolveSite(parseExpr(spec.site, origin), ctx.shape, origin, ctx.modelLabel);
    if (site.index.query !== undefined || site.index.key !== undefined) {
      throw ctx.at([...path, 'site'])('query=/key= select attention entries: use them in an attention metric, or an attention_override');
    }
    const pos = site.index.pos;
    if (typeof pos === 'string' && pos !== '*') {
      if (positions) throw ctx.at([...path, 'positions'])("give positions either in the site's [pos=…] or in 'positions', not both");
      roles.push({ role: pos, blame: ctx.at([...path, 'site']) });
    }
    const head = site.index.head;
    items = [make(site.info.name, typeof head === 'number' ? [head] : undefined, typeof pos === 'string' && pos !== '*' ? [pos] : positions)];
  } else {
    const suffix = headHookSuffix(spec.hook);
    return finish(headSets(spec.heads!), (chosen) => {
      const byLayer = new Map<number, number[]>();
      for (const h of chosen) byLayer.set(h.layer, [...(byLayer.get(h.layer) ?? []), h.head]);
      return [...byLayer].map(([layer, hs]) => make(`blocks.${layer}.${suffix}`, hs));
    });
  }
  return { name, items, roles, needsCorrupted };
}
