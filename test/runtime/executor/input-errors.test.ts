// The executor's side of bad input: a failed load reported once (exit-2 input errors marked), NaN metrics as
// errors naming the prompt or head, and one bad metric failing only itself, not the group it was computed with.
import { describe, expect, it } from 'vitest';
import { compileText } from '../../../src/dsl/compile.js';
import { CircuitspecError } from '../../../src/errors.js';
import type { RunEvent } from '../../../src/plan/events.js';
import type { MetricRequest } from '../../../src/runtime/experiments/types.js';
import { executePlan } from '../../../src/runtime/executor/execute.js';
import type { PromptSet } from '../../../src/runtime/tasks/types.js';
import { fakeRuntime, scalar, table } from './fake-runtime.js';

const SPEC = `name: fake
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 3, corruption: s2_io_flip}
interventions:
  a: {type: patch, heads: "0.1"}
  b: {type: patch, heads: "1.2"}
metrics:
  acc: {kind: accuracy, task: ioi}
  ld: {kind: logit_diff, task: ioi}
  ps_a: {kind: patching_score, task: ioi, with: a}
  ps_b: {kind: patching_score, task: ioi, with: b}
  dla: {kind: dla, task: ioi}
expect:
  acc_ok: {assert: "acc >= 0"}
  ld_ok: {assert: "ld > -100"}
  a_ok: {assert: "ps_a > -100"}
  b_ok: {assert: "ps_b > -100"}
  dla_ok: {assert: "count(top(dla, 2)) == 2"}
`;
const plan = () => compileText('test/runtime/executor/fake.spec.yaml', SPEC);
const prompts = (n: number): PromptSet['prompts'] => Array.from({ length: n }, (_, i) => ({
  id: `ioi#${i}`, text: 'x', tokens: [1], answer: ' a', answerId: 1, distractors: [' b'], distractorIds: [2], roles: { END: 0 }, meta: { line: i + 1 },
}));
const ok = (req: MetricRequest) => (req.kind === 'dla' ? table([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]) : scalar(0.5, [0.5, 0.5, 0.5]));

describe('executor: bad input and bad numbers', () => {
  it('a checkpoint that fails to load: one spec error (an input error), claims say only that they did not run', async () => {
    const rt = fakeRuntime({ metric: ok });
    rt.loadModel = async () => { throw new CircuitspecError('tensor x holds NaN', { file: 'm/model.safetensors' }); };
    const r = await executePlan(plan(), { runtime: rt });
    expect(r.error).toBe('load model: m/model.safetensors: tensor x holds NaN');
    expect(r.inputError).toBe(true);
    expect(new Set(r.claims.map((c) => c.message))).toEqual(new Set(["not run: load model failed (see the spec's error)"]));
  });

  it('an internal failure while loading is reported once but is not an input error', async () => {
    const r = await executePlan(plan(), { runtime: fakeRuntime({ metric: ok, failModel: true }) });
    expect(r.error).toMatch(/^load model: internal error: no weights/);
    expect(r.inputError).toBeUndefined();
  });

  it('NaN in a metric is an error naming the prompt (scalars) or the head (tables)', async () => {
    const rt = fakeRuntime({
      metric: (req) => req.kind === 'logit_diff' ? scalar(NaN, [1, NaN, 2]) : req.kind === 'dla' ? table([[0, 0, 0, 0], [0, Infinity, 0, 0]]) : ok(req),
    });
    rt.buildTask = (name) => ({ name, kind: 'fake', prompts: prompts(3), roleNames: ['END'], provenance: {} });
    const r = await executePlan(plan(), { runtime: rt });
    const by = Object.fromEntries(r.claims.map((c) => [c.name, c]));
    expect(by.ld_ok.verdict).toBe('error');
    expect(by.ld_ok.message).toBe('ld: the value is NaN: prompt ioi#1 (line 2) gives NaN (1 of 3 prompts are not finite)');
    expect(by.dla_ok.message).toBe('dla: the value of head 1.1 is Infinity (1 of 8 heads are not finite)');
    expect(by.acc_ok.verdict).toBe('pass');
    expect(r.metrics.ld).toBeUndefined();
  });

  it('one metric that fails in a shared pass fails only itself; its neighbours are computed alone', async () => {
    const rt = fakeRuntime({ metric: ok });
    const calls: string[] = [];
    const bad = (reqs: MetricRequest[]) => reqs.some((q) => q.kind === 'patching_score' && q.with[0].type === 'patch' && q.with[0].heads?.[0] === 2);
    rt.computeMetrics = async (_ctx, reqs) => {
      calls.push(`group ${reqs.length}`);
      if (bad(reqs)) throw new Error('bad request');
      return reqs.map(ok);
    };
    rt.computeMetric = async (_ctx, req) => {
      calls.push(`alone ${req.kind}`);
      if (bad([req])) throw new CircuitspecError('this one is bad');
      return ok(req);
    };
    const r = await executePlan(plan(), { runtime: rt });
    const verdicts = Object.fromEntries(r.claims.map((c) => [c.name, c.verdict]));
    expect(verdicts).toEqual({ acc_ok: 'pass', ld_ok: 'pass', a_ok: 'pass', b_ok: 'error', dla_ok: 'pass' });
    expect(r.claims.find((c) => c.name === 'b_ok')!.message).toBe('ps_b: this one is bad');
    // acc and ld share a pass; the patching scores' pass fails, then each is computed once alone (dla is never grouped)
    expect(calls).toEqual(['group 2', 'group 2', 'alone patching_score', 'alone patching_score', 'alone dla']);
  });

  it('warnings from preflight and from the task checks are events and part of the results', async () => {
    const rt = fakeRuntime({ metric: ok });
    rt.checkTask = (set) => [`task '${set.name}': token " Zebra" is untrained`];
    const events: RunEvent[] = [];
    const r = await executePlan(plan(), { runtime: rt, warnings: ['from preflight'], onEvent: (e) => events.push(e) });
    expect(r.warnings).toEqual(['from preflight', `task 'ioi': token " Zebra" is untrained`]);
    expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toEqual(r.warnings);
  });
});
