import { describe, expect, it } from 'vitest';
import { compileText } from '../../../src/dsl/compile.js';
import type { RunEvent } from '../../../src/plan/events.js';
import { executePlan } from '../../../src/runtime/executor/execute.js';
import { fakeRuntime, scalar, table } from './fake-runtime.js';

const SPEC = `name: fake
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
metrics:
  acc: {kind: accuracy, task: ioi}
  ld: {kind: logit_diff, task: ioi}
  pp: {kind: path_patch, task: ioi}
interventions:
  z: {type: ablate, method: zero, heads: "1.3"}
circuits:
  c: {task: ioi, stages: [{name: movers, role: mover, top: 2}]}
  paper: {heads: {mover: "{1.1, 1.2}", inhibition: "0.3"}}
expect:
  acc_close: {assert: "acc == 49.6% ± 0.01"}
  acc_far: {assert: "acc == 0.9 ± 5%"}
  ld_pos: {assert: "ld > 0 and ld < 10"}
  ablation: {assert: "delta(accuracy(ioi, with=z), acc) <= -0.2"}
  top2: {assert: "{1.1, 1.2} <= top(pp, 2)"}
  top2_missing: {assert: "{0.0, 1.2} <= top(pp, 2, sign=positive)"}
  circuit: {assert: "overlap(c, paper) == 0.667 ± 0.01"}
  xf: {assert: "acc > 0.99", xfail: not yet}
  xp: {assert: "acc > 0.1", xfail: true}
  sk: {assert: "acc > 0.1", skip: later}
  spear: {assert: "spearman(acc, ld) == 0.894 ± 0.001 and regressions(accuracy(ioi, with=z), acc) == 1"}
  both: {assert: "ld > 0 and acc >= 0.75", description: "a compound claim whose second part fails"}
  mover: {assert: "score(pp, 1.1) == -0.9 ± 0.1"}
`;

function metric(req: { kind: string; with?: unknown[] }) {
  if (req.kind === 'accuracy') return req.with ? scalar(0.25, [0, 0, 1, 0]) : scalar(0.5, [1, 0, 1, 0]);
  if (req.kind === 'logit_diff') return scalar(2, [3, -1, 2, 0]);
  return table([[0.1, -0.2, 0.05, 0], [0.3, -0.9, 0.8, 0.01]]);
}

describe('executor', () => {
  it('runs a plan in order, evaluating every claim kind', async () => {
    const plan = compileText('test/runtime/executor/fake.spec.yaml', SPEC);
    const calls: string[] = [];
    const events: RunEvent[] = [];
    const r = await executePlan(plan, {
      runtime: fakeRuntime({ metric, calls, circuit: (task) => ({ task, heads: [{ layer: 1, head: 1, role: 'mover', stage: 'movers', score: -0.9 }, { layer: 1, head: 2, role: 'mover', stage: 'movers', score: 0.8 }] }) }),
      onEvent: (e) => events.push(e),
    });
    const verdicts = Object.fromEntries(r.claims.map((c) => [c.name, c.verdict]));
    expect(verdicts).toEqual({
      acc_close: 'pass', acc_far: 'fail', ld_pos: 'pass', ablation: 'pass', top2: 'pass', top2_missing: 'fail',
      circuit: 'pass', xf: 'xfail', xp: 'xpass', sk: 'skip', spear: 'pass', both: 'fail', mover: 'pass',
    });
    const far = r.claims.find((c) => c.name === 'acc_far')!;
    expect(far.measured).toEqual({ type: 'number', value: 0.5 });
    expect(far.expected).toBe('== 0.9 ± 5%');
    expect(far.message).toBe('acc == 0.9 ± 5%: got 0.5 accuracy [fraction correct], expected == 0.9 ± 5%');
    // got is the measured side even with the literal written on the left: {0.0, 1.2} <= top(…) is top(…) ⊇ {0.0, 1.2}
    const missing = r.claims.find((c) => c.name === 'top2_missing')!;
    expect(missing.checks[0]).toMatchObject({ measured: { type: 'heads', heads: ['1.0', '1.2'] }, op: '>=', expected: { type: 'heads', heads: ['0.0', '1.2'] } });
    expect(missing.message).toMatch(/got \{1\.0, 1\.2\} top heads \[by path_patch, positive\], expected ⊇ \{0\.0, 1\.2\} \(missing: 0\.0\)/);
    // a compound claim's headline is its failing part, not its first
    const both = r.claims.find((c) => c.name === 'both')!;
    expect(both).toMatchObject({ headline: 1, measured: { type: 'number', value: 0.5 }, expected: '>= 0.75', description: 'a compound claim whose second part fails' });
    // what each number is, and what a claim reads and names
    const mover = r.claims.find((c) => c.name === 'mover')!;
    expect(mover.checks[0].quantity).toEqual({ kind: 'path_patch', unit: '(patched − clean) / clean logit diff' });
    expect(mover).toMatchObject({ reads: ['pp'], heads: ['1.1'] });
    expect(r.claims.find((c) => c.name === 'ablation')!.checks[0].quantity?.kind).toBe('Δ accuracy');
    expect(r.circuitStages).toEqual({ c: [{ name: 'movers', role: 'mover', into: 'logits', receiverStages: [], receiverHeads: [] }] });
    // c = {1.1, 1.2}, paper = {1.1, 1.2, 0.3}: Jaccard 2/3
    expect(r.claims.find((c) => c.name === 'circuit')!.checks[0].measured).toEqual({ type: 'number', value: 2 / 3 });
    // one clean run shared, corrupted run for path patching, the model loaded once and disposed
    expect(calls.filter((c) => c === 'clean ioi')).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['load random:tiny']);
    // the task's END-logit metrics (with and without the ablation) share one pass; path patching runs on its own
    expect(calls.filter((c) => c.startsWith('metric'))).toEqual(['metrics accuracy,logit_diff,accuracy', 'metric path_patch']);
    expect(calls.at(-1)).toBe('dispose');
    expect(r.metrics.acc.value).toEqual(scalar(0.5, [1, 0, 1, 0]));
    expect(r.metrics['accuracy(ioi, with=z)']).toBeDefined();
    expect(r.circuits.paper.heads.map((h) => `${h.layer}.${h.head}:${h.role}`)).toEqual(['1.1:mover', '1.2:mover', '0.3:inhibition']);
    expect(r.provenance).toMatchObject({ specSha256: plan.spec.sha256, model: { source: 'random:tiny', weightHash: 'sha256:fake' }, seed: 0, taskSeeds: { ioi: expect.any(Number) } });
    expect(r.provenance.packageVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(events.filter((e) => e.type === 'claim')).toHaveLength(13);
    expect(events[0].type).toBe('spec-start');
    expect(events.at(-1)!.type).toBe('spec-end');
  });

  it('a failed step makes the claims reading it errors, and the rest still run', async () => {
    const plan = compileText('test/runtime/executor/fake.spec.yaml', SPEC);
    const r = await executePlan(plan, {
      runtime: fakeRuntime({ metric: (req) => { if (req.kind === 'path_patch') throw new Error('boom'); return metric(req); } }),
    });
    const top2 = r.claims.find((c) => c.name === 'top2')!;
    expect(top2.verdict).toBe('error');
    expect(top2.message).toBe('pp: internal error: boom');
    expect(r.claims.find((c) => c.name === 'acc_close')!.verdict).toBe('pass');
  });

  it('a model that fails to load errors every claim but skipped ones', async () => {
    const plan = compileText('test/runtime/executor/fake.spec.yaml', SPEC);
    const r = await executePlan(plan, { runtime: fakeRuntime({ metric, failModel: true }) });
    expect(new Set(r.claims.map((c) => c.verdict))).toEqual(new Set(['error', 'skip']));
    expect(r.error).toMatch(/load model: internal error: no weights/);
  });

  it('records role attention per task only when asked (for reports), and the spec description', async () => {
    const plan = compileText('test/runtime/executor/fake.spec.yaml', `description: what this spec is for\n${SPEC}`);
    const summary = { roles: ['END'], prompts: 1, mean: [[[[1]]]], example: { id: 'x', tokens: ['a'], roles: { END: 0 }, rows: { END: [[[1]]] } } };
    const calls: string[] = [];
    const rt = { ...fakeRuntime({ metric, calls }), attentionSummary: async (_ctx: unknown, task: string) => (calls.push(`attention ${task}`), summary) };
    expect((await executePlan(plan, { runtime: rt })).attention).toBeUndefined();
    const r = await executePlan(plan, { runtime: rt, attention: true });
    expect(r.attention).toEqual({ ioi: summary });
    expect(calls.filter((c) => c.startsWith('attention'))).toEqual(['attention ioi']);
    expect(calls.at(-1)).toBe('dispose'); // before the context goes
    expect(r.description).toBe('what this spec is for');
  });

  it('--bail skips everything after the first failure', async () => {
    const plan = compileText('test/runtime/executor/fake.spec.yaml', SPEC);
    const r = await executePlan(plan, { runtime: fakeRuntime({ metric }), bail: true });
    const after = r.claims.slice(r.claims.findIndex((c) => c.verdict === 'fail') + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((c) => c.verdict === 'skip')).toBe(true);
  });
});
