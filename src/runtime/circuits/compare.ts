/** Compare two circuits as sets of heads ('layer.head'), overall and per role. */
import type { Circuit, CircuitComparison } from '../experiments/types.js';

export function byLayerHead(a: string, b: string): number {
  const [la, ha] = a.split('.').map(Number);
  const [lb, hb] = b.split('.').map(Number);
  return la - lb || ha - hb;
}

const names = (c: Circuit): Set<string> => new Set(c.heads.map((h) => `${h.layer}.${h.head}`));

export function compareCircuits(a: Circuit, b: Circuit): CircuitComparison {
  const A = names(a);
  const B = names(b);
  const intersection = [...A].filter((x) => B.has(x)).sort(byLayerHead);
  const union = [...new Set([...A, ...B])].sort(byLayerHead);
  const shared = new Set(intersection);
  const frac = (n: number, d: number): number => (d === 0 ? 1 : n / d);
  const roles = [...new Set([...a.heads, ...b.heads].map((h) => h.role))].sort();
  const byRole: CircuitComparison['byRole'] = {};
  for (const role of roles) {
    const ra = a.heads.filter((h) => h.role === role).map((h) => `${h.layer}.${h.head}`).sort(byLayerHead);
    const rb = b.heads.filter((h) => h.role === role).map((h) => `${h.layer}.${h.head}`).sort(byLayerHead);
    byRole[role] = { a: ra, b: rb, shared: [...new Set([...ra, ...rb])].filter((x) => shared.has(x)).sort(byLayerHead) };
  }
  return {
    intersection, union, jaccard: frac(intersection.length, union.length),
    sharedOfA: frac(intersection.length, A.size), sharedOfB: frac(intersection.length, B.size), byRole,
  };
}
