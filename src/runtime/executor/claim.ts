/** One claim → its verdict, with the measured and expected values of every comparison it made. */
import { CircuitspecError } from '../../errors.js';
import { formatExpected, formatMeasured, setDifference } from '../../plan/format.js';
import type { ClaimResult, Verdict } from '../../plan/results.js';
import type { PlanClaim } from '../../plan/types.js';
import { Evaluator, type Values } from './evaluate.js';

function base(c: PlanClaim): Omit<ClaimResult, 'verdict' | 'checks' | 'ms'> {
  return {
    name: c.name, assert: c.assert, tags: c.tags, at: c.at,
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
  const first = ev.checks[0];
  const failed = ev.checks.filter((k) => !k.pass);
  let message: string | undefined;
  if (verdict === 'fail') {
    message = failed.map((k) => `${k.text}: got ${formatMeasured(k.measured)}, expected ${formatExpected(k)}${setDifference(k) ? ` (${setDifference(k)})` : ''}`).join('; ') || 'the claim does not hold';
  } else if (verdict === 'xpass') {
    message = `expected to fail${c.reason ? ` (${c.reason})` : ''} but passed`;
  }
  return {
    ...base(c),
    verdict,
    ...(first && { measured: first.measured, expected: formatExpected(first) }),
    checks: ev.checks,
    ...(message && { message }),
    ms: performance.now() - t0,
  };
}
