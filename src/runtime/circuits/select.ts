/** Pick heads from a layers × heads table: by sign, then a threshold, then top-k or top-% of all heads. */
import { CircuitspecError } from '../../errors.js';
import type { CircuitStage, Head } from '../experiments/types.js';

export function selectHeads(values: number[][], keep: CircuitStage['keep'], sign: CircuitStage['sign'] = 'abs', where = 'stage'): (Head & { score: number })[] {
  const { topK, topPercent, threshold } = keep ?? {};
  if (topK === undefined && topPercent === undefined && threshold === undefined) {
    throw new CircuitspecError(`${where}: keep needs topK, topPercent or threshold`, { field: `${where}.keep` });
  }
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 0)) throw new CircuitspecError(`${where}: topK must be a non-negative integer`, { field: `${where}.keep.topK` });
  if (topPercent !== undefined && !(topPercent >= 0 && topPercent <= 100)) throw new CircuitspecError(`${where}: topPercent must be in 0..100`, { field: `${where}.keep.topPercent` });
  if (!['positive', 'negative', 'abs'].includes(sign)) throw new CircuitspecError(`${where}: sign must be positive, negative or abs`, { field: `${where}.sign` });
  const strength = (v: number): number => (sign === 'positive' ? v : sign === 'negative' ? -v : Math.abs(v));
  const all = values.flatMap((row, layer) => row.map((score, head) => ({ layer, head, score })));
  let list = all.filter((h) => Number.isFinite(h.score) && (sign === 'abs' ? true : strength(h.score) > 0));
  if (threshold !== undefined) list = list.filter((h) => strength(h.score) >= threshold);
  // Strongest first; ties by layer then head so the choice is deterministic.
  list.sort((a, b) => strength(b.score) - strength(a.score) || a.layer - b.layer || a.head - b.head);
  let k = list.length;
  if (topK !== undefined) k = Math.min(k, topK);
  if (topPercent !== undefined) k = Math.min(k, Math.max(1, Math.round((topPercent / 100) * all.length)));
  return list.slice(0, k);
}
