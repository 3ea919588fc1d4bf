/** One claim → its verdict, with the measured and expected values of every comparison it made. */
import { CircuitspecError } from '../../errors.js';
import { formatExpected, formatMeasured, setDifference } from '../../plan/format.js';
import { formatQuantity } from '../../plan/quantity.js';
import type { ClaimResult, Verdict } from '../../plan/results.js';
import type { ClaimExpr, PlanClaim } from '../../plan/types.js';
import { Evaluator, type Values } from './evaluate.js';

/** Head literals anywhere in the expression. */
function exprHeads(e: ClaimExpr, out = new Set<string>()): Set<string> {
  if (e.op === 'heads') e.heads.forEach((h) => out.add(`${h.layer}.${h.head}`));
  else if (e.op === 'fn' || e.op === 'and' || e.op === 'or') e.args.forEach((a) => exprHeads(a, out));
  else if (e.op === 'compare') [e.left, e.right].forEach((a) => exprHeads(a, out));
  else if (e.op === 'not') exprHeads(e.arg, out);
  return out;
}

function base(c: PlanClaim): Omit<ClaimResult, 'verdict' | 'checks' | 'ms'> {
  const heads = [...exprHeads(c.expr)];
  return {
    name: c.name, assert: c.assert, tags: c.tags, at: c.at, ...(heads.length && { heads }),
    ...(c.description && { description: c.description }), ...(c.ref && { ref: c.ref }), ...(c.reason && { reason: c.reason }),
  };
}

export function skippedClaim(c: PlanClaim, reason?: string): ClaimResult {
  return { ...base(c), verdict: 'skip', checks: [], ms: 0, ...(reason && { reason }) };
}

export function erroredClaim(c: PlanClaim, message: string): ClaimResult {
  return { ...base(c), verdict: 'error', checks: [], message, ms: 0 };
}

export function evaluateClaim(c: PlanClaim, values: Values): ClaimResult {
  const t0 = performance.now();
  const ev = new Evaluator(values);
  let held: boolean;
  try {
    const v = ev.eval(c.expr);
    held = v.type === 'bool' && v.value;
  } catch (e) {
    if (!(e instanceof CircuitspecError)) throw e;
    return { ...erroredClaim(c, e.message), checks: ev.checks, ms: performance.now() - t0 };
  }
  let verdict: Verdict = held ? 'pass' : 'fail';
  if (c.mode === 'xfail') verdict = held ? 'xpass' : 'xfail';
  const failed = ev.checks.filter((k) => !k.pass);
  // A compound claim's headline is the part that decided it: a failing claim never shows a passing number.
  const decisive = ev.checks.findIndex((k) => k.pass === held);
  const headline = decisive < 0 ? 0 : decisive;
  const first = ev.checks[headline];
  let message: string | undefined;
  if (verdict === 'fail') {
    message = failed.map((k) => `${k.text}: got ${formatMeasured(k.measured)}${k.quantity ? ` ${formatQuantity(k.quantity)}` : ''}, expected ${formatExpected(k)}${setDifference(k) ? ` (${setDifference(k)})` : ''}`).join('; ') || 'the claim does not hold';
  } else if (verdict === 'xpass') {
    message = `expected to fail${c.reason ? ` (${c.reason})` : ''} but passed`;
  }
  return {
    ...base(c),
    verdict,
    ...(first && { measured: first.measured, expected: formatExpected(first), headline }),
    checks: ev.checks,
    ...(message && { message }),
    ms: performance.now() - t0,
  };
}
