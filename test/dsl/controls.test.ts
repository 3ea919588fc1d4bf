/** Random controls and attention_block in the spec language: drawing head sets, the plan, claim types, errors. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileText } from '../../src/dsl/compile.js';
import { estimatePlan } from '../../src/plan/estimate.js';
import { drawHeadSets } from '../../src/dsl/compile/random-heads.js';
import { evaluateClaim } from '../../src/runtime/executor/claim.js';
import type { MetricValue } from '../../src/runtime/experiments/types.js';
import type { Head, MetricStep, Plan } from '../../src/plan/types.js';
import { compileError } from '../helpers/compile.js';

const FILE = 'test/dsl/specs/virtual.spec.yaml';

/** random:tiny (2 layers × 4 heads), one IOI task. */
function spec(interventions: string, metrics: string, claims: string): string {
  return `name: t
model: {source: random:tiny}
seed: 3
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
interventions:
${interventions}
metrics:
  acc: {kind: accuracy, task: ioi}
${metrics}
expect:
${claims}
`;
}
const CONTROL = '  rnd: {type: attention_block, heads: "random(2, from=layers 0..1 heads *, exclude={1.0}, samples=6)", query: END, keys: [S2]}\n'
  + '  blk: {type: attention_block, heads: "{1.0, 1.1}", query: END, keys: [S2], renormalize: false}';
const CONTROL_METRICS = '  ctrl: {kind: accuracy, task: ioi, with: rnd}\n  blocked: {kind: accuracy, task: ioi, with: blk}';

const compile = (text: string, opts = {}): Plan => compileText(FILE, text, opts);
const errorOf = (text: string): string => compileError(FILE, text);
const metricStep = (p: Plan, name: string): MetricStep => p.steps.find((s): s is MetricStep => s.kind === 'metric' && s.name === name)!;
const key = (h: Head) => `${h.layer}.${h.head}`;

describe('random head sets', () => {
  it('are k distinct heads from the pool, never excluded ones, different sets, reproducible by seed', () => {
    const all: Head[] = Array.from({ length: 6 }, (_, l) => Array.from({ length: 5 }, (_, h) => ({ layer: l, head: h }))).flat();
    fc.assert(fc.property(
      fc.subarray(all, { minLength: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 8 }), fc.nat(),
      (pool, k, wanted, seed) => {
        const combos = k === 1 ? pool.length : k === 2 ? (pool.length * (pool.length - 1)) / 2 : (pool.length * (pool.length - 1) * (pool.length - 2)) / 6;
        const samples = Math.min(wanted, combos);
        const sets = drawHeadSets({ k, pool, samples, seed });
        const inPool = new Set(pool.map(key));
        expect(sets).toHaveLength(samples);
        for (const s of sets) {
          expect(new Set(s.map(key)).size).toBe(k);
          for (const h of s) expect(inPool.has(key(h))).toBe(true);
        }
        expect(new Set(sets.map((s) => s.map(key).join(','))).size).toBe(samples);
        expect(drawHeadSets({ k, pool, samples, seed })).toEqual(sets);
      },
    ), { numRuns: 200 });
  });

  it('are drawn at compile time: the same for any batch size or worker count, other for another seed', () => {
    const text = spec(CONTROL, CONTROL_METRICS, '  a: {assert: "below(blocked, ctrl, 2)"}');
    const heads = (p: Plan) => {
      const r = metricStep(p, 'ctrl').request;
      return 'control' in r ? r.control!.samples.map((s) => s.flatMap((iv) => ('heads' in iv && Array.isArray(iv.heads) ? iv.heads.map((h) => key(h as Head)) : []))) : [];
    };
    const a = heads(compile(text));
    expect(a).toHaveLength(6);
    for (const s of a) {
      expect(s).toHaveLength(2);
      expect(s).not.toContain('1.0');
    }
    expect(heads(compile(text, { batchSize: 1, workers: 2 }))).toEqual(a);
    expect(heads(compile(text, { seed: 4 }))).not.toEqual(a);
    expect(heads(compile(text.replace('samples=6', 'samples=6, seed=3')))).not.toEqual(heads(compile(text.replace('samples=6', 'samples=6, seed=4'))));
  });
});

describe('the plan', () => {
  it('a control metric is a distribution; attention_block keeps its keys and renormalize flag', () => {
    const p = compile(spec(CONTROL, CONTROL_METRICS, '  a: {assert: "below(blocked, ctrl, 2) and mean(ctrl) > 0 and sd(ctrl) >= 0"}'));
    expect(metricStep(p, 'blocked').request).toMatchObject({ with: [{ type: 'attention_block', heads: [{ layer: 1, head: 0 }, { layer: 1, head: 1 }], query: 'END', keys: ['S2'], renormalize: false }] });
    const ctrl = metricStep(p, 'ctrl').request;
    expect('with' in ctrl && ctrl.with).toBeFalsy();
    expect('control' in ctrl && ctrl.control!.samples[0][0]).toMatchObject({ type: 'attention_block', renormalize: true });
  });

  it("the estimate counts every sample's rerun", () => {
    // `blocked` pays for the clean run's cached keys/values first; then each sample costs what `blocked2` does
    // (another block at END: the same intervention again would share `blocked`'s rerun and cost nothing).
    const metrics = '  blocked: {kind: accuracy, task: ioi, with: blk}\n  blocked2: {kind: logit_diff, task: ioi, with: blk2}\n  ctrl: {kind: accuracy, task: ioi, with: rnd}';
    const ivs = `${CONTROL}\n  blk2: {type: attention_block, heads: "{0.2}", query: END, keys: [S2]}`;
    const p = compile(spec(ivs, metrics, '  a: {assert: "below(blocked, ctrl, 2) and blocked2 > 0"}'));
    const est = estimatePlan(p);
    const fpe = (n: string) => est.find((e) => e.id === metricStep(p, n).id)!.fpe;
    expect(fpe('blocked2')).toBeGreaterThan(0);
    expect(fpe('ctrl') / fpe('blocked2')).toBeCloseTo(6, 5);
  });
});

describe('located errors', () => {
  const err = (claims: string, ivs = CONTROL, metrics = CONTROL_METRICS) => errorOf(spec(ivs, metrics, claims));

  it('a distribution where a number, a table or a per-prompt metric is expected', () => {
    expect(err('  a: {assert: "ctrl > 0.5"}')).toMatch(/:14:16: expect\.a\.assert: cannot compare a random control \(a distribution over samples\) with a number \(read a random control with mean\(…\) or sd\(…\)/);
    expect(err('  a: {assert: "top(ctrl, 2) == {0.1}"}')).toMatch(/:14:20: expect\.a\.assert: expected a head table, got a random control/);
    expect(err('  a: {assert: "delta(ctrl, acc) > 0"}')).toMatch(/expected a number, got a random control/);
    expect(err('  a: {assert: "regressions(ctrl, acc) == 0"}')).toMatch(/regressions\(\) does not take a random control/);
    expect(err('  a: {assert: "mean(acc) > 0"}')).toMatch(/expected a random control \(a distribution over samples\), got a number/);
    expect(err('  a: {assert: "beats(ctrl, ctrl, 2)"}')).toMatch(/expected a number, got a random control/);
  });

  it('random() misused', () => {
    const iv = (heads: string) => `  rnd: {type: attention_block, heads: "${heads}", query: END, keys: [S2]}`;
    const m = '  ctrl: {kind: accuracy, task: ioi, with: rnd}';
    const c = '  a: {assert: "mean(ctrl) > 0"}';
    expect(err(c, iv('random(2)'), m)).toMatch(/:7:\d+: interventions\.rnd\.heads: random\(\) needs samples=N/);
    expect(err(c, iv('random(3, from={0.0, 0.1}, samples=4)'), m)).toMatch(/2 heads remain to draw from \(after exclude\), fewer than k = 3/);
    expect(err(c, iv('random(1, from={0.0, 0.1, 0.2}, samples=4)'), m)).toMatch(/only 3 different sets of 1 among 3 heads, fewer than samples = 4/);
    expect(err(c, iv('random(2, samples=4, color=1)'), m)).toMatch(/random\(\) has no argument 'color'/);
    expect(err(c, iv('random(2, from={5.0}, samples=4)'), m)).toMatch(/head 5\.0 is outside the model/);
  });

  it('a control where it cannot go; two in one metric; a block with no keys', () => {
    const two = `${CONTROL}\n  rnd2: {type: ablate, method: zero, heads: "random(1, samples=3)"}`;
    expect(err('  a: {assert: "mean(ctrl) > 0"}', two, '  ctrl: {kind: accuracy, task: ioi, with: [rnd, rnd2]}')).toMatch(/two random controls in one metric \('rnd' and 'rnd2'\)/);
    const ps = compile(spec(CONTROL, '  ps: {kind: patching_score, task: ioi, with: [rnd]}', '  a: {assert: "mean(ps) > 0"}'));
    expect(metricStep(ps, 'ps').request).toMatchObject({ kind: 'patching_score', with: [], control: { samples: { length: 6 } } });
    expect(err('  a: {assert: "acc > 0"}', '  b: {type: attention_block, heads: "{1.0}", query: END, keys: []}', '')).toMatch(/interventions\.b\.keys/);
    expect(err('  a: {assert: "acc > 0"}', '  b: {type: attention_block, heads: "{1.0}", query: END, keys: [Nope]}', '  x: {kind: accuracy, task: ioi, with: b}')).toMatch(/task 'ioi' has no role 'Nope'/);
  });
});

describe('beats / below', () => {
  const plan = compile(spec(CONTROL, CONTROL_METRICS, '  up: {assert: "beats(acc, ctrl, 2)"}\n  down: {assert: "below(blocked, ctrl, 3)"}\n  m: {assert: "mean(ctrl) == 0.5 ± 0.05"}'));
  const values = (ctrl: MetricValue) => ({
    metric: (id: string) => (id === metricStep(plan, 'ctrl').id ? ctrl : id === metricStep(plan, 'blocked').id ? ({ type: 'scalar', value: 0.35 } as MetricValue) : ({ type: 'scalar', value: 0.6 } as MetricValue)),
    circuit: () => { throw new Error('no circuits'); },
    request: (id: string) => plan.steps.find((s): s is MetricStep => s.id === id && s.kind === 'metric')?.request,
  });
  const dist = (xs: number[]): MetricValue => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return { type: 'distribution', values: xs, mean: m, sd: Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)), heads: xs.map(() => ['0.0']) };
  };
  const claim = (n: string) => plan.claims.find((c) => c.name === n)!;

  it('a > mean + k·sd and a < mean − k·sd, recorded with the z-score', () => {
    const ctrl = dist([0.49, 0.5, 0.51, 0.5, 0.49, 0.51]); // mean 0.5, sd ≈ 0.00894
    const down = evaluateClaim(claim('down'), values(ctrl));
    expect(down.verdict).toBe('pass');
    expect(down.checks[0].control!.z).toBeCloseTo((0.35 - 0.5) / 0.008944, 2);
    expect(down.expected).toMatch(/^< 0\.4732 = control 0\.5 ± 0\.008944 \(6 samples\) − 3 sd; z = -16\.77$/);
    const up = evaluateClaim(claim('up'), values(ctrl));
    expect(up.verdict).toBe('pass');
    expect(evaluateClaim(claim('up'), values(dist([0.5, 0.7, 0.3, 0.5, 0.6, 0.4]))).verdict).toBe('fail'); // 0.6 < 0.5 + 2·0.141
    const m = evaluateClaim(claim('m'), values(ctrl));
    expect(m.verdict).toBe('pass');
    expect(m.measured).toMatchObject({ type: 'distribution', value: 0.5 });
  });
});
