/** Text forms of measured values and expectations, shared by the executor's messages and the reporters. */
import type { Check, Measured } from './results.js';
import type { Tol } from './types.js';

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(+x.toPrecision(4));
}

export function formatMeasured(m: Measured): string {
  switch (m.type) {
    case 'number': return formatNumber(m.value);
    case 'heads': return `{${m.heads.join(', ')}}`;
    case 'table': return `[${m.nLayers}×${m.nHeads} head table]`;
    case 'distribution': return formatDistribution(m.value, m.sd, m.values.length);
    case 'bool': return String(m.value);
  }
}

/** A random control: `0.499 ± 0.01 (20 samples)` (mean ± sample standard deviation). */
export function formatDistribution(mean: number, sd: number, samples: number): string {
  return `${formatNumber(mean)} ± ${formatNumber(sd)} (${samples} samples)`;
}

const OP_TEXT: Record<string, string> = { '<=': '<=', '>=': '>=', in: 'in', '==': '==', '!=': '!=', '<': '<', '>': '>' };
const SET_OP_TEXT: Record<string, string> = { '<=': '⊆', '>=': '⊇', '<': '⊂', '>': '⊃', in: '⊆', '==': '==', '!=': '!=' };

export function formatTol(tol: Tol | undefined): string {
  if (!tol) return '';
  return tol.abs !== undefined ? ` ± ${formatNumber(tol.abs)}` : ` ± ${formatNumber((tol.rel ?? 0) * 100)}%`;
}

/** `>= 0.3`, `== 0.496 ± 0.02`, `⊆ {15.14, 16.15, …}`, `< 0.469 = control 0.499 ± 0.01 (20 samples) − 3 sd; z = −14.2` */
export function formatExpected(c: Check): string {
  const op = c.measured.type === 'heads' ? SET_OP_TEXT[c.op] : OP_TEXT[c.op];
  const base = `${op ?? c.op} ${formatMeasured(c.expected)}${formatTol(c.tol)}`;
  if (!c.control) return base;
  const { mean, sd, samples, k, z } = c.control;
  return `${base} = control ${formatDistribution(mean, sd, samples)} ${c.op === '<' ? '−' : '+'} ${formatNumber(k)} sd; ${z === undefined ? 'sd 0: every sample gave the same value' : `z = ${formatNumber(z)}`}`;
}

/** For a failed set claim: what is missing or extra. */
export function setDifference(c: Check): string | undefined {
  if (c.measured.type !== 'heads' || c.expected.type !== 'heads') return undefined;
  const b = new Set(c.expected.heads);
  const a = new Set(c.measured.heads);
  if (c.op === '<=' || c.op === 'in' || c.op === '<') {
    const missing = c.measured.heads.filter((h) => !b.has(h));
    return missing.length ? `not in the right side: ${missing.join(', ')}` : undefined;
  }
  if (c.op === '>=' || c.op === '>') {
    const missing = c.expected.heads.filter((h) => !a.has(h));
    return missing.length ? `missing: ${missing.join(', ')}` : undefined;
  }
  return undefined;
}
