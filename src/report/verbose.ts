/** The default report plus every metric value (tables as their strongest heads) and every circuit. */
import { formatNumber } from '../plan/format.js';
import type { SpecResult } from '../plan/results.js';
import { DefaultReporter } from './default.js';

export class VerboseReporter extends DefaultReporter {
  protected override extra(r: SpecResult): void {
    for (const m of Object.values(r.metrics)) {
      const v = m.value;
      const text = v.type === 'scalar'
        ? `${formatNumber(v.value)}${v.perPrompt ? this.s.dim(` (${v.perPrompt.length} prompts)`) : ''}`
        : `strongest: ${strongest(v.values).map((h) => `${h.name}=${formatNumber(h.score)}`).join(', ')}`;
      this.io.out(`     ${this.s.cyan('metric')} ${m.name} = ${text}\n`);
    }
    for (const [name, c] of Object.entries(r.circuits)) {
      const byRole = new Map<string, string[]>();
      for (const h of c.heads) byRole.set(h.role, [...(byRole.get(h.role) ?? []), `${h.layer}.${h.head}`]);
      this.io.out(`     ${this.s.cyan('circuit')} ${name}: ${[...byRole].map(([role, hs]) => `${role} {${hs.join(', ')}}`).join('; ')}\n`);
    }
  }
}

/** The five heads with the largest |score|. */
function strongest(values: number[][]): { name: string; score: number }[] {
  const all = values.flatMap((row, l) => row.map((score, h) => ({ name: `${l}.${h}`, score })));
  return all.sort((a, b) => Math.abs(b.score) - Math.abs(a.score)).slice(0, 5);
}
