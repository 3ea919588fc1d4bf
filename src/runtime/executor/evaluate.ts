/** Evaluates a claim's typed expression over computed values, recording every comparison it makes. */
import { CircuitspecError } from '../../errors.js';
import { exprQuantity } from '../../plan/quantity.js';
import type { Check, Measured } from '../../plan/results.js';
import type { ClaimExpr, CompareOp, Tol } from '../../plan/types.js';
import type { Circuit, MetricRequest, MetricValue } from '../experiments/types.js';
import { jaccard, rankHeads, spearman, topHeads, type Sign } from './stats.js';

export interface Values {
  metric(step: string): MetricValue;
  circuit(step: string): Circuit;
  /** The request behind a metric step, to say what its numbers are. */
  request?(step: string): MetricRequest | undefined;
}

/** The same comparison read from the other side: `a <= b` is `b >= a` (for sets, `a ⊆ b` is `b ⊇ a`). */
const FLIP: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=', in: '>=' };
const isLiteral = (e: ClaimExpr): boolean => e.op === 'num' || e.op === 'heads';

type V = Measured;

const num = (value: number): V => ({ type: 'number', value });
const heads = (hs: Iterable<string>): V => ({ type: 'heads', heads: sortNames([...new Set(hs)]) });

export function sortNames(names: string[]): string[] {
  const key = (s: string) => s.split('.').map(Number);
  return names.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
}

/** A number; mean(control) is one too (it keeps its spread, so reports can show it). */
function asNumber(v: V, what: string): number {
  if (v.type !== 'number' && v.type !== 'distribution') throw new CircuitspecError(`${what} is not a number`);
  return v.value;
}
function asDistribution(v: V, what: string): Extract<V, { type: 'distribution' }> {
  if (v.type !== 'distribution') throw new CircuitspecError(`${what} is not a random control`);
  return v;
}
function asHeads(v: V, what: string): Set<string> {
  if (v.type !== 'heads') throw new CircuitspecError(`${what} is not a head set`);
  return new Set(v.heads);
}
function asTable(v: V, what: string): number[][] {
  if (v.type !== 'table') throw new CircuitspecError(`${what} is not a head table`);
  return v.values;
}

export class Evaluator {
  readonly checks: Check[] = [];
  constructor(private readonly values: Values) {}

  private perPrompt(e: ClaimExpr): number[] {
    if (e.op !== 'metric') throw new CircuitspecError(`${e.text}: per-prompt values come from metrics`);
    const v = this.values.metric(e.step);
    if (v.type !== 'scalar' || !v.perPrompt) throw new CircuitspecError(`${e.text} has no per-prompt values`);
    return v.perPrompt;
  }

  eval(e: ClaimExpr): V {
    switch (e.op) {
      case 'num': return num(e.value);
      case 'heads': return heads(e.heads.map((h) => `${h.layer}.${h.head}`));
      case 'metric': {
        const v = this.values.metric(e.step);
        if (v.type === 'distribution') return { type: 'distribution', value: v.mean, sd: v.sd, values: v.values };
        return v.type === 'scalar' ? num(v.value) : { type: 'table', nLayers: v.nLayers, nHeads: v.nHeads, values: v.values };
      }
      case 'circuit': {
        const c = this.values.circuit(e.step);
        return heads(c.heads.filter((h) => !e.role || h.role === e.role).map((h) => `${h.layer}.${h.head}`));
      }
      case 'fn': return this.fn(e);
      case 'compare': return this.compare(e);
      case 'and': case 'or': {
        // Every side is evaluated (no short circuit) so the report shows all the numbers.
        const vs = e.args.map((a) => (this.eval(a) as { value: boolean }).value);
        return { type: 'bool', value: e.op === 'and' ? vs.every(Boolean) : vs.some(Boolean) };
      }
      case 'not': return { type: 'bool', value: !(this.eval(e.arg) as { value: boolean }).value };
    }
  }

  private fn(e: Extract<ClaimExpr, { op: 'fn' }>): V {
    const [a, b] = e.args;
    const n = (x: ClaimExpr) => asNumber(this.eval(x), x.text);
    const h = (x: ClaimExpr) => asHeads(this.eval(x), x.text);
    const t = (x: ClaimExpr) => asTable(this.eval(x), x.text);
    const sign = (e.opts.sign as Sign | undefined) ?? 'abs';
    const oneHead = (x: ClaimExpr) => {
      const [only] = [...h(x)];
      return only.split('.').map(Number) as [number, number];
    };
    switch (e.fn) {
      case 'neg': return num(-n(a));
      case 'abs': return num(Math.abs(n(a)));
      case 'delta': {
        const va = this.eval(a);
        if (va.type !== 'table') return num(n(a) - n(b));
        const tb = t(b);
        if (tb.length !== va.values.length || tb[0]?.length !== va.values[0]?.length) throw new CircuitspecError(`delta(): ${a.text} and ${b.text} are tables of different shapes`);
        return { ...va, values: va.values.map((row, l) => row.map((x, h) => x - tb[l][h])) };
      }
      case 'ratio': return num(n(a) / n(b));
      case 'count': return num(h(a).size);
      case 'top': return heads(topHeads(t(a), { k: e.opts.k as number | undefined, percent: e.opts.percent as number | undefined, sign }));
      case 'score': {
        // A head set scores its mean (the movers' logit attribution, as one number).
        const hs = [...h(b)].map((x) => x.split('.').map(Number));
        if (!hs.length) throw new CircuitspecError(`${b.text} selects no heads to score`);
        const table = t(a);
        return num(hs.reduce((acc, [l, hd]) => acc + table[l][hd], 0) / hs.length);
      }
      case 'rank': {
        const [l, hd] = oneHead(b);
        return num(rankHeads(t(a), sign).findIndex((x) => x.layer === l && x.head === hd) + 1);
      }
      case 'overlap': return num(jaccard(h(a), h(b)));
      case 'coverage': {
        const A = h(a), B = h(b);
        return num(A.size === 0 ? 0 : [...A].filter((x) => B.has(x)).length / A.size);
      }
      case 'shared': {
        const B = h(b);
        return heads([...h(a)].filter((x) => B.has(x)));
      }
      case 'union': return heads([...h(a), ...h(b)]);
      case 'spearman': {
        const va = this.eval(a);
        if (va.type === 'table') {
          const [ta, tb] = [t(a), t(b)];
          if (e.args[2] === undefined) return num(spearman(ta.flat(), tb.flat()));
          const hs = [...h(e.args[2])].map((x) => x.split('.').map(Number));
          if (hs.length < 3) throw new CircuitspecError(`spearman() over ${e.args[2].text}: a rank correlation needs at least 3 heads`);
          return num(spearman(hs.map(([l, hd]) => ta[l][hd]), hs.map(([l, hd]) => tb[l][hd])));
        }
        return num(spearman(this.perPrompt(a), this.perPrompt(b)));
      }
      case 'mean': return asDistribution(this.eval(a), a.text);
      case 'sd': return num(asDistribution(this.eval(a), a.text).sd);
      case 'beats': case 'below': return this.control(e);
      case 'regressions': {
        const after = this.perPrompt(a), before = this.perPrompt(b);
        if (after.length !== before.length) throw new CircuitspecError(`regressions() needs metrics over the same prompts (${after.length} vs ${before.length})`);
        return num(after.filter((x, i) => x < before[i]).length);
      }
    }
  }

  /** beats(a, control, k): a > mean + k·sd; below(a, control, k): a < mean − k·sd. Recorded with the z-score. */
  private control(e: Extract<ClaimExpr, { op: 'fn' }>): V {
    const [a, c, kx] = e.args;
    const value = asNumber(this.eval(a), a.text);
    const d = asDistribution(this.eval(c), c.text);
    const k = asNumber(this.eval(kx), kx.text);
    const above = e.fn === 'beats';
    const threshold = above ? d.value + k * d.sd : d.value - k * d.sd;
    const pass = compareNumbers(above ? '>' : '<', value, threshold);
    const quantity = exprQuantity(a, (s) => this.values.request?.(s));
    const z = d.sd > 0 ? (value - d.value) / d.sd : undefined;
    this.checks.push({
      text: e.text, measured: num(value), ...(quantity && { quantity }), op: above ? '>' : '<', expected: num(threshold),
      control: { mean: d.value, sd: d.sd, samples: d.values.length, k, ...(z !== undefined && Number.isFinite(z) && { z }) }, pass,
    });
    return { type: 'bool', value: pass };
  }

  private compare(e: Extract<ClaimExpr, { op: 'compare' }>): V {
    const l = this.eval(e.left);
    const r = this.eval(e.right);
    const pass = e.operands === 'number' ? compareNumbers(e.cmp, asNumber(l, e.left.text), asNumber(r, e.right.text), e.tol) : compareSets(e.cmp, asHeads(l, e.left.text), asHeads(r, e.right.text));
    // Got is the measured side: with the literal written on the left, the check is recorded from the right.
    const swap = isLiteral(e.left) && !isLiteral(e.right);
    const quantity = exprQuantity(swap ? e.right : e.left, (s) => this.values.request?.(s));
    this.checks.push({
      text: e.text, measured: swap ? r : l, ...(quantity && { quantity }), op: swap ? FLIP[e.cmp] : e.cmp, expected: swap ? l : r,
      ...(e.tol && { tol: e.tol }), pass,
    });
    return { type: 'bool', value: pass };
  }
}

export function tolerance(expected: number, tol: Tol | undefined): number {
  if (!tol) return 0;
  return tol.abs ?? (tol.rel ?? 0) * Math.abs(expected);
}

/** A tolerance loosens the claim: `x > 2 ± 0.1` holds for x > 1.9. */
export function compareNumbers(op: string, l: number, r: number, tol?: Tol): boolean {
  if (Number.isNaN(l) || Number.isNaN(r)) return false;
  const t = tolerance(r, tol);
  switch (op) {
    case '==': return Math.abs(l - r) <= t;
    case '!=': return Math.abs(l - r) > t;
    case '<': return l < r + t;
    case '<=': return l <= r + t;
    case '>': return l > r - t;
    case '>=': return l >= r - t;
    default: throw new CircuitspecError(`'${op}' does not compare numbers`);
  }
}

export function compareSets(op: string, a: Set<string>, b: Set<string>): boolean {
  const sub = (x: Set<string>, y: Set<string>) => [...x].every((v) => y.has(v));
  switch (op) {
    case '==': return sub(a, b) && sub(b, a);
    case '!=': return !(sub(a, b) && sub(b, a));
    case '<=': case 'in': return sub(a, b);
    case '<': return sub(a, b) && a.size < b.size;
    case '>=': return sub(b, a);
    case '>': return sub(b, a) && b.size < a.size;
    default: throw new CircuitspecError(`'${op}' does not compare head sets`);
  }
}
