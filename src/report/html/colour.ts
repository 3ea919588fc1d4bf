/**
 * Colour scales for heatmaps. Diverging (blue below 0, white at 0, red above) for signed scores, so the sign reads
 * at a glance and 0 is always white; sequential (white → purple) for attention weights in 0–1.
 */

const NEG = [33, 102, 172]; // ColorBrewer RdBu ends: #2166ac
const POS = [178, 24, 43]; //  #b2182b
const SEQ = [84, 39, 143]; //  Purples: #54278f
const NAN = 'rgb(200,200,200)';

const mix = (to: number[], t: number): string => {
  const c = to.map((x) => Math.round(255 + (x - 255) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
};

/** v in [−max, max] → colour; |v| ≥ max saturates. NaN (not computed) is grey. */
export function diverging(v: number, max: number): string {
  if (!Number.isFinite(v)) return NAN;
  if (max <= 0 || v === 0) return 'rgb(255,255,255)';
  const t = Math.min(1, Math.abs(v) / max);
  return mix(v < 0 ? NEG : POS, t);
}

/** v in [0, 1] → white … purple. */
export function sequential(v: number): string {
  if (!Number.isFinite(v)) return NAN;
  return mix(SEQ, Math.max(0, Math.min(1, v)));
}

/** The scale's end: the largest |value| (1 when all are 0 or NaN, so the map is plain white). */
export function absMax(values: number[][]): number {
  let m = 0;
  for (const row of values) for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m || 1;
}

/** Text on a cell stays readable: white on strong colours. */
export function inkFor(t: number): string {
  return t > 0.55 ? '#fff' : '#222';
}
