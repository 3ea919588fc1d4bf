/** Small numeric helpers for claims: ranking heads, set overlap, rank correlation. */
import { CircuitspecError } from '../../errors.js';

export type Sign = 'abs' | 'positive' | 'negative';
export interface ScoredHead { layer: number; head: number; score: number }

/** Heads ordered by score under `sign` (abs: magnitude; negative: most negative first); ties by layer, head. */
export function rankHeads(values: number[][], sign: Sign): ScoredHead[] {
  const key = (v: number) => (sign === 'abs' ? Math.abs(v) : sign === 'negative' ? -v : v);
  const out: ScoredHead[] = [];
  // NaN marks a head the table does not score (e.g. a sender the path-patching rules exclude): never ranked.
  values.forEach((row, layer) => row.forEach((score, head) => { if (Number.isFinite(score)) out.push({ layer, head, score }); }));
  return out.sort((a, b) => key(b.score) - key(a.score) || a.layer - b.layer || a.head - b.head);
}

export function topHeads(values: number[][], opts: { k?: number; percent?: number; sign?: Sign }): string[] {
  const ranked = rankHeads(values, opts.sign ?? 'abs');
  const total = values.reduce((a, row) => a + row.length, 0); // a percentage of all heads, scored or not
  const k = opts.k ?? Math.ceil(((opts.percent ?? 0) / 100) * total);
  return ranked.slice(0, k).map((h) => `${h.layer}.${h.head}`);
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  const union = new Set([...a, ...b]);
  if (union.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / union.size;
}

/** Ranks 1..n, ties sharing their average rank. */
export function ranks(xs: number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
    for (let k = i; k <= j; k++) out[idx[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

export function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

export function spearman(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new CircuitspecError(`spearman() needs two series of the same length (got ${a.length} and ${b.length})`);
  if (a.length < 2) throw new CircuitspecError('spearman() needs at least two values');
  return pearson(ranks(a), ranks(b));
}
