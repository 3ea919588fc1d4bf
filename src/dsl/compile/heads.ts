/** Head selectors and hook sites → checked heads and hooks of this model. */
import type { Expr } from '../expr/ast.js';
import { hookInfo, hookNames, type HookInfo } from '../hooks.js';
import { closest } from '../suggest.js';
import type { Head, ModelShape } from '../../plan/types.js';
import type { ExprOrigin } from '../expr/index.js';

const HEAD_TEXT = /^([0-9]+)\.([0-9]+)$/;

export function shapeText(shape: ModelShape): string {
  return `layers 0..${shape.nLayers - 1}, heads 0..${shape.nHeads - 1}`;
}

export function checkHead(h: Head, shape: ModelShape, origin: ExprOrigin, offset: number, modelLabel: string): Head {
  if (h.layer >= shape.nLayers || h.head >= shape.nHeads) {
    throw origin.error(`head ${h.layer}.${h.head} is outside the model (${modelLabel} has ${shapeText(shape)})`, offset);
  }
  return h;
}

/** A number written `L.H` read as a head (`9.9`); anything else is not a head. */
export function numberAsHead(e: Expr): Head | undefined {
  if (e.type !== 'number' || e.percent) return undefined;
  const m = HEAD_TEXT.exec(e.raw);
  return m ? { layer: Number(m[1]), head: Number(m[2]) } : undefined;
}

export interface HeadSelection { heads: Head[]; names: { name: string; offset: number }[] }

/**
 * Heads from `9.9`, `{12.3, 13.13}`, `layers 6..9 heads *`, or names (stages/circuits, resolved by the caller).
 * Returned sorted and without duplicates.
 */
export function selectHeads(e: Expr, shape: ModelShape, origin: ExprOrigin, modelLabel: string): HeadSelection {
  const heads: Head[] = [];
  const names: { name: string; offset: number }[] = [];
  const visit = (x: Expr): void => {
    const off = x.at?.start ?? 0;
    const asHead = numberAsHead(x);
    if (asHead) heads.push(checkHead(asHead, shape, origin, off, modelLabel));
    else if (x.type === 'head') heads.push(checkHead({ layer: x.layer, head: x.head }, shape, origin, off, modelLabel));
    else if (x.type === 'set') x.items.forEach(visit);
    else if (x.type === 'ident') names.push({ name: x.name, offset: off });
    else if (x.type === 'string') names.push({ name: x.value, offset: off });
    else if (x.type === 'range') {
      const span = (r: typeof x.layers, n: number, what: string): number[] => {
        if (r === '*') return Array.from({ length: n }, (_, i) => i);
        if (r.to < r.from) throw origin.error(`${what} range ${r.from}..${r.to} is empty`, off);
        if (r.to >= n) throw origin.error(`${what} ${r.to} is outside the model (${modelLabel} has ${shapeText(shape)})`, off);
        return Array.from({ length: r.to - r.from + 1 }, (_, i) => r.from + i);
      };
      for (const layer of span(x.layers, shape.nLayers, 'layer')) for (const head of span(x.heads, shape.nHeads, 'head')) heads.push({ layer, head });
    } else if (x.type === 'number') throw origin.error(`'${x.raw}${x.percent ? '%' : ''}' is not a head: write heads as layer.head, like 9.9`, off);
    else throw origin.error('expected heads: 9.9, {12.3, 13.13} or layers 6..9 heads *', off);
  };
  visit(e);
  return { heads: sortHeads(heads), names };
}

export function sortHeads(heads: Head[]): Head[] {
  const seen = new Map<string, Head>();
  for (const h of heads) seen.set(`${h.layer}.${h.head}`, h);
  return [...seen.values()].sort((a, b) => a.layer - b.layer || a.head - b.head);
}

export interface Site { info: HookInfo; index: Record<string, number | string> }

/** `blocks.12.attn.hook_pattern[head=3, query=END, key=S2]`: a hook of this model with allowed index parts. */
export function resolveSite(e: Expr, shape: ModelShape, origin: ExprOrigin, modelLabel: string): Site {
  if (e.type !== 'site') throw origin.error("expected a hook site like 'blocks.12.attn.hook_z[head=3, pos=END]'", e.at?.start ?? 0);
  const off = e.at?.start ?? 0;
  const info = hookInfo(e.hook, shape);
  if ('error' in info) {
    const hint = closest(e.hook, hookNames(shape));
    throw origin.error(`${info.error}${hint ? ` — did you mean '${hint}'?` : ''}${/outside/.test(info.error) ? ` (${modelLabel})` : ''}`, off);
  }
  const index: Record<string, number | string> = {};
  for (const { key, value } of e.index) {
    if (!info.indexKeys.includes(key)) {
      throw origin.error(`'${e.hook}' takes index ${info.indexKeys.map((k) => `${k}=`).join(', ')} (got '${key}=')`, off);
    }
    if (key === 'head') {
      if (typeof value !== 'number') throw origin.error(`head= takes a head number (got '${value}')`, off);
      if (value >= shape.nHeads) throw origin.error(`head ${value} is outside the model (${modelLabel} has ${shapeText(shape)})`, off);
    } else if (typeof value === 'number') throw origin.error(`${key}= takes a role name like END (got ${value})`, off);
    index[key] = value;
  }
  return { info, index };
}
