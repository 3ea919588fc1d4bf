// delta() of two head tables (the change of every head's score) and spearman() over a head set: the paper's
// "Spearman(Δ logit attribution, path-patching importance) = 0.69 over the movers" as one claim.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileText } from '../../src/dsl/compile.js';
import { compileError } from '../helpers/compile.js';
import { evaluateClaim } from '../../src/runtime/executor/claim.js';
import { spearman } from '../../src/runtime/executor/stats.js';
import type { MetricValue } from '../../src/runtime/experiments/types.js';

const FILE = 'test/dsl/specs/virtual.spec.yaml';
const spec = (claim: string) => `name: t
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
interventions:
  fix: {type: attention_override, heads: "{1.0, 1.1}", query: END, keys: {IO: 1}}
metrics:
  dla: {kind: dla, task: ioi}
  dla_fixed: {kind: dla, task: ioi, with: fix}
  pp: {kind: path_patch, task: ioi, to: logits}
  ld: {kind: logit_diff, task: ioi}
expect:
  a: {assert: "${claim}"}
`;
const table = (values: number[][]): MetricValue => ({ type: 'heads', nLayers: 2, nHeads: 4, values });
const HEADS = ['0.1', '0.3', '1.0', '1.2', '1.3'];

function measured(claim: string, tables: Record<string, MetricValue>): number {
  const plan = compileText(FILE, spec(claim));
  const byStep = new Map(plan.steps.flatMap((s) => (s.kind === 'metric' ? [[s.id, tables[s.name]] as const] : [])));
  const r = evaluateClaim(plan.claims[0], { metric: (id) => byStep.get(id)!, circuit: () => { throw new Error('no circuit'); }, request: () => undefined });
  expect(r.verdict).not.toBe('error');
  return (r.checks[0].measured as { value: number }).value;
}

describe('delta of head tables and spearman over a head set', () => {
  it('equals the rank correlation computed directly over the listed heads', () => {
    const row = fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 4, maxLength: 4 });
    const tab = fc.tuple(row, row);
    fc.assert(fc.property(tab, tab, tab, (base, fixed, pp) => {
      const got = measured(`spearman(delta(dla_fixed, dla), pp, {${HEADS.join(', ')}}) > -2`, { dla: table(base), dla_fixed: table(fixed), pp: table(pp) });
      const at = (t: number[][]) => HEADS.map((h) => h.split('.').map(Number)).map(([l, hd]) => t[l][hd]);
      const change = fixed.map((r, l) => r.map((x, h) => x - base[l][h]));
      const want = spearman(at(change), at(pp));
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else expect(got).toBeCloseTo(want, 9);
    }), { numRuns: 50 });
  });

  it('a table delta feeds top() and score() like a measured table', () => {
    const tables = { dla: table([[0, 1, 0, 0], [0, 0, 4, 0]]), dla_fixed: table([[0, 1, 0, 0], [0, 0, 1, 3]]), pp: table([[0, 0, 0, 0], [0, 0, 0, 0]]) };
    expect(measured('score(delta(dla_fixed, dla), 1.2) == -3', tables)).toBe(-3);
    const plan = compileText(FILE, spec('top(delta(dla_fixed, dla), 1, positive) == {1.3}'));
    const byName = new Map(plan.steps.flatMap((s) => (s.kind === 'metric' ? [[s.id, (tables as Record<string, MetricValue>)[s.name]] as const] : [])));
    expect(evaluateClaim(plan.claims[0], { metric: (id) => byName.get(id)!, circuit: () => { throw new Error(''); }, request: () => undefined }).verdict).toBe('pass');
  });

  it('misuse is a located compile error', () => {
    const err = (claim: string) => compileError(FILE, spec(claim));
    expect(err('delta(dla, ld) > 0')).toMatch(/:13:\d+: expect\.a\.assert: delta\(\) subtracts two numbers or two head tables, got a head table and a number/);
    expect(err('spearman(ld, ld, {0.1, 0.2, 0.3}) > 0')).toMatch(/spearman\(\) restricts head tables to a head set: per-prompt metrics have no heads/);
  });
});
