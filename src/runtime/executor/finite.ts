/**
 * NaN or ±Infinity in a metric would make claims fail (or pass `!=`) for no reason anyone can see: the executor
 * turns it into a step error that says where it came from (which prompt, which head).
 */
import type { MetricValue } from '../experiments/types.js';
import type { PromptSet } from '../tasks/types.js';

/** Why the value is not finite, or undefined when it is. */
export function nonFinite(v: MetricValue, set?: PromptSet): string | undefined {
  if (v.type === 'distribution') {
    const k = v.values.findIndex((x) => !Number.isFinite(x));
    if (k < 0) return undefined;
    return `random sample ${k + 1} of ${v.values.length} (heads {${v.heads[k]?.join(', ') ?? ''}}) gives ${v.values[k]}`;
  }
  if (v.type === 'heads') {
    // Heads a path-patching request leaves out (its sender rules) are NaN by design: not a fault.
    const skip = new Set(v.unscored ?? []);
    const bad = (x: number, l: number, h: number): boolean => !Number.isFinite(x) && !skip.has(`${l}.${h}`);
    for (let l = 0; l < v.values.length; l++) {
      const h = v.values[l].findIndex((x, j) => bad(x, l, j));
      if (h >= 0) {
        const count = v.values.flatMap((row, i) => row.filter((x, j) => bad(x, i, j))).length;
        return `the value of head ${l}.${h} is ${v.values[l][h]} (${count} of ${v.nLayers * v.nHeads} heads are not finite)`;
      }
    }
    return undefined;
  }
  if (Number.isFinite(v.value)) return undefined;
  const bad = (v.perPrompt ?? []).flatMap((x, i) => (Number.isFinite(x) ? [] : [i]));
  if (!bad.length) return `the value is ${v.value}`;
  const p = set?.prompts[bad[0]];
  const where = p ? `prompt ${p.id}${p.meta?.line !== undefined ? ` (line ${p.meta.line})` : ''}` : `prompt #${bad[0]}`;
  return `the value is ${v.value}: ${where} gives ${v.perPrompt![bad[0]]} (${bad.length} of ${v.perPrompt!.length} prompts are not finite)`;
}
