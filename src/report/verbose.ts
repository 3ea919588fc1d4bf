/**
 * The default report plus the spec's and each claim's description, every comparison of a compound claim, every
 * metric value with what it measures (tables as their strongest heads) and every circuit.
 */
import { formatDistribution, formatExpected, formatMeasured, formatNumber } from '../plan/format.js';
import { formatQuantity, requestQuantity } from '../plan/quantity.js';
import type { ClaimResult, SpecResult } from '../plan/results.js';
import { DefaultReporter } from './default.js';

export class VerboseReporter extends DefaultReporter {
  protected override afterClaim(c: ClaimResult): void {
    if (c.description) this.io.out(`       ${this.s.dim(c.description.trim().replace(/\s+/g, ' '))}\n`);
    if (c.checks.length < 2) return;
    for (const k of c.checks) {
      const mark = k.pass ? this.s.green('✓') : this.s.red('✗');
      const what = k.quantity ? ` ${this.s.dim(formatQuantity(k.quantity))}` : '';
      this.io.out(`       ${mark} ${k.text}: ${formatMeasured(k.measured)}${what} ${this.s.dim(`(expected ${formatExpected(k)})`)}\n`);
    }
  }

  protected override extra(r: SpecResult): void {
    if (r.description) this.io.out(`     ${this.s.cyan('about')} ${r.description.trim().replace(/\s+/g, ' ')}\n`);
    for (const m of Object.values(r.metrics)) {
      const v = m.value;
      const text = v.type === 'scalar'
        ? `${formatNumber(v.value)}${v.perPrompt ? this.s.dim(` (${v.perPrompt.length} prompts)`) : ''}`
        : v.type === 'distribution' ? formatDistribution(v.mean, v.sd, v.values.length)
        : `strongest: ${strongest(v.values).map((h) => `${h.name}=${formatNumber(h.score)}`).join(', ')}`;
      this.io.out(`     ${this.s.cyan('metric')} ${m.name} = ${text} ${this.s.dim(formatQuantity(requestQuantity(m.request)))}\n`);
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
