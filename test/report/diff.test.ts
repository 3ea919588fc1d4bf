import { describe, expect, it } from 'vitest';
import { summarize, type RunResults, type SpecResult } from '../../src/plan/results.js';
import { diffResults, formatDiff } from '../../src/report/diff.js';
import { sampleSpec } from './sample.js';

const wrap = (s: SpecResult): RunResults => ({ version: 1, specs: [s], summary: summarize([s]), durationMs: 1 });

describe('diff', () => {
  it('finds newly failing/passing claims, moved values and metrics, added and removed items', () => {
    const a = sampleSpec();
    const b = structuredClone(a);
    b.claims[0] = { ...b.claims[0], verdict: 'fail', measured: { type: 'number', value: 0.5 }, message: 'got 0.5' };
    b.claims[1] = { ...b.claims[1], verdict: 'pass' };
    b.claims[3] = { ...b.claims[3], measured: { type: 'number', value: 0.3 } };
    b.metrics.acc = { ...b.metrics.acc, value: { type: 'scalar', value: 0.55 } };
    (b.metrics.pp.value as { values: number[][] }).values = [[0.2, -0.1]];
    b.claims.push({ ...b.claims[2], name: 'new' });
    b.claims = b.claims.filter((c) => c.name !== 'later');
    const d = diffResults(wrap(a), wrap(b));
    const kinds = d.map((e) => `${e.kind} ${e.item}`);
    expect(kinds).toEqual(expect.arrayContaining([
      'newly-failing claim good', 'newly-passing claim bad', 'moved claim known', 'moved metric acc', 'moved metric pp', 'added claim new', 'removed claim later',
    ]));
    expect(d.find((e) => e.item === 'metric pp')!.detail).toBe('largest change 0.1: -0.7 → -0.1');
    const text = formatDiff(d);
    expect(text).toContain('newly-failing (1)\n  paper > claim good pass → fail: got 0.5');
    expect(text.trim().split('\n').at(-1)).toBe('1 newly failing, 1 newly passing, 3 moved');
  });

  it('says when the model, the code or the spec changed underneath', () => {
    const a = sampleSpec();
    const b = structuredClone(a);
    b.provenance.model.weightHash = 'f'.repeat(64);
    b.provenance.commit = '0123456789abcdef0123456789abcdef01234567';
    expect(diffResults(wrap(a), wrap(structuredClone(b))).map((e) => e.item)).not.toContain('code'); // commit unknown before
    a.provenance.commit = 'f'.repeat(40);
    b.provenance.seed = 2;
    const text = formatDiff(diffResults(wrap(a), wrap(b)));
    expect(text).toContain('changed (3)\n');
    expect(text).toContain('  paper > model: random:tiny (weights random:seed=0) → random:tiny (weights ffffffffffff)');
    expect(text).toContain('  paper > code: circuitspec 0.1.0 (ffffffffffff) → circuitspec 0.1.0 (0123456789ab)');
    expect(text).toContain('  paper > seeds: {"seed":0} → {"seed":2}');
    b.provenance = structuredClone(a.provenance);
    b.provenance.startedAt = '2030-01-01T00:00:00Z';
    expect(diffResults(wrap(a), wrap(b))).toEqual([]);
  });

  it('compares compound claims part by part', () => {
    const a = sampleSpec();
    const num = (value: number) => ({ type: 'number' as const, value });
    a.claims[0].checks = [
      { text: 'ld > 0', measured: num(2), op: '>', expected: num(0), pass: true },
      { text: 'acc == 0.9 ± 0.1', measured: num(0.93), op: '==', expected: num(0.9), tol: { abs: 0.1 }, pass: true },
    ];
    const b = structuredClone(a);
    b.claims[0].checks[1].measured = num(0.7);
    const d = diffResults(wrap(a), wrap(b));
    expect(d).toEqual([{ kind: 'moved', spec: 'paper', item: 'claim good', before: 'pass', after: 'pass', detail: 'acc == 0.9 ± 0.1: 0.93 → 0.7' }]);
    b.claims[0].checks[1].measured = num(0.85); // within the part's own tolerance
    expect(diffResults(wrap(a), wrap(b))).toEqual([]);
  });

  it('values within tolerance are not differences', () => {
    const a = sampleSpec();
    const b = structuredClone(a);
    b.metrics.acc.value = { type: 'scalar', value: 0.5 + 1e-9 };
    expect(diffResults(wrap(a), wrap(b))).toEqual([]);
    expect(diffResults(wrap(a), wrap(b), { tol: { abs: 0 } })).toHaveLength(1);
    expect(formatDiff([])).toBe('no differences\n');
  });

  it('two specs with the same name are paired by file, not counted twice; a moved file still pairs', () => {
    const x = sampleSpec();
    const y = { ...structuredClone(x), file: 'specs/y.spec.yaml' };
    const all = (specs: SpecResult[]): RunResults => ({ version: 1, specs, summary: summarize(specs), durationMs: 1 });
    expect(diffResults(all([x, y]), all([structuredClone(x), structuredClone(y)]))).toEqual([]);
    const y2 = structuredClone(y);
    y2.claims[0] = { ...y2.claims[0], verdict: 'fail', message: 'got 0.5' };
    const d = diffResults(all([x, y]), all([structuredClone(x), y2]));
    expect(d.map((e) => `${e.kind} ${e.spec} ${e.item}`)).toEqual(['newly-failing paper (specs/y.spec.yaml) claim good']);
    // a renamed file with a unique name pairs by name
    expect(diffResults(wrap(x), wrap({ ...structuredClone(x), file: 'specs/moved.spec.yaml' }))).toEqual([]);
  });

  it('says when the model changed (weight hash or source), first', () => {
    const a = sampleSpec();
    const b = structuredClone(a);
    b.provenance.model.weightHash = 'f'.repeat(64);
    const d = diffResults(wrap(a), wrap(b));
    expect(d).toEqual([expect.objectContaining({ kind: 'changed', spec: 'paper', item: 'model', detail: expect.stringContaining('(weights ') })]);
    expect(formatDiff(d).split('\n')[0]).toBe('changed (1)');
  });
});
