/**
 * The spec side of metrics under interventions, on the corrupted run, and mediation: what the plan carries
 * (YAML and inline give one request), and located errors for misuse.
 */
import { describe, expect, it } from 'vitest';
import { compileText } from '../../src/dsl/compile.js';
import type { MetricStep, Plan } from '../../src/plan/types.js';
import { evaluateClaim } from '../../src/runtime/executor/claim.js';
import type { MetricValue } from '../../src/runtime/experiments/types.js';
import { compileError } from '../helpers/compile.js';

const FILE = 'test/dsl/specs/virtual.spec.yaml';
const IVS = `interventions:
  fix: {type: attention_override, heads: "{1.0, 1.1}", query: END, keys: {IO: 1}}
  sender: {type: patch, heads: "0.2", positions: [END]}
  others: {type: patch, heads: "{0.0, 0.1, 0.3, 1.0, 1.1, 1.2, 1.3}", from: clean}
  all_clean: {type: patch, heads: "layers 0..1 heads *", from: clean}
`;
/** random:tiny (2 layers × 4 heads), IOI with and without corruption; line 12 holds the first metric, or the first claim. */
function spec(metrics: string, claims: string): string {
  return `name: t
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
  plain: {source: ioi, n: 4}
${IVS}${metrics}expect:
${claims}
`;
}
const compile = (text: string): Plan => compileText(FILE, text);
const errorOf = (text: string): string => compileError(FILE, text);
const metricSteps = (p: Plan): MetricStep[] => p.steps.filter((s): s is MetricStep => s.kind === 'metric');

describe('with= and run= in the plan', () => {
  it('YAML and inline calls give the same request (one shared step)', () => {
    const plan = compile(spec(
      'metrics:\n  att: {kind: attention, task: ioi, head: "1.2", from: END, to: S2, with: fix}\n  dla_c: {kind: dla, task: ioi, run: corrupted}\n  ld_c: {kind: logit_diff, task: ioi, run: corrupted}\n',
      '  a: {assert: "att == attention(ioi, 1.2, END, S2, with=fix)"}\n  b: {assert: "spearman(dla_c, dla(ioi, run=corrupted)) > 0.9"}\n  c: {assert: "ld_c <= logit_diff(ioi, run=corrupted)"}',
    ));
    const steps = metricSteps(plan);
    expect(steps.map((s) => s.request)).toEqual([
      { kind: 'attention', task: 'ioi', head: { layer: 1, head: 2 }, from: 'END', to: 'S2', with: [{ type: 'attention_override', heads: [{ layer: 1, head: 0 }, { layer: 1, head: 1 }], query: 'END', keys: { IO: 1 } }] },
      { kind: 'dla', task: 'ioi', run: 'corrupted' },
      { kind: 'logit_diff', task: 'ioi', run: 'corrupted' },
    ]);
    // Reading the corrupted side depends on the shared corrupted run (no run of its own).
    expect(steps[2].deps).toContain('corrupted:ioi');
  });

  it('run= is kept only where it differs from the default run (so equal requests share a step)', () => {
    const plan = compile(spec('', '  a: {assert: "logit_diff(ioi, run=clean) == logit_diff(ioi)"}\n  b: {assert: "logit_diff(ioi, with=all_clean) == logit_diff(ioi, with=all_clean, run=corrupted)"}\n  c: {assert: "logit_diff(ioi, with=all_clean, run=clean) < 100"}'));
    const reqs = metricSteps(plan).map((s) => s.request);
    expect(reqs).toHaveLength(3);
    expect(reqs.map((r) => ('run' in r ? r.run : undefined))).toEqual([undefined, undefined, 'clean']);
  });

  it('a with-list may mix patches from both runs (mediation)', () => {
    const plan = compile(spec('', '  a: {assert: "logit_diff(ioi, with={sender, others}) < logit_diff(ioi)"}'));
    const req = metricSteps(plan).find((s) => s.request.kind === 'logit_diff' && s.request.with)!.request as { with: { from?: string }[] };
    expect(new Set(req.with.map((w) => w.from))).toEqual(new Set(['corrupted', 'clean']));
  });
});

describe('several heads and key roles', () => {
  it('attention over a head set and key roles: YAML and inline give one request', () => {
    const plan = compile(spec(
      'metrics:\n  movers: {kind: attention, task: ioi, head: "{1.2, 0.1}", from: END, to: [S2, IO], with: fix}\n',
      '  a: {assert: "movers == attention(ioi, {0.1, 1.2}, END, {S2, IO}, with=fix)"}',
    ));
    const steps = metricSteps(plan);
    expect(steps).toHaveLength(1);
    expect(steps[0].request).toMatchObject({ kind: 'attention', head: { layer: 0, head: 1 }, alsoHeads: [{ layer: 1, head: 2 }], to: 'S2', alsoTo: ['IO'] });
    expect(errorOf(spec('', '  a: {assert: "attention(ioi, {0.1, 1.2}, END, {S2, IOO}) > 0"}'))).toMatch(/task 'ioi' has no role 'IOO'/);
  });

  it('score over a head set is their mean', () => {
    const plan = compile(spec('metrics:\n  d: {kind: dla, task: ioi}\n', '  a: {assert: "score(d, {0.1, 1.2}) == 2.5 ± 1e-9 and score(d, 0.1) == 1 ± 1e-9"}'));
    const table: MetricValue = { type: 'heads', nLayers: 2, nHeads: 4, values: [[0, 1, 0, 0], [0, 0, 4, 0]] };
    const r = evaluateClaim(plan.claims[0], { metric: () => table, circuit: () => { throw new Error('no circuit'); }, request: () => undefined });
    expect(r.verdict).toBe('pass');
  });
});

describe('located errors', () => {
  it('a site both frozen and patched, in YAML and inline', () => {
    expect(errorOf(spec('metrics:\n  m: {kind: logit_diff, task: ioi, with: [sender, all_clean]}\n', '  a: {assert: "m > 0"}'))).toBe(
      `${FILE}:12:43: metrics.m.with.0: 'all_clean' freezes blocks.0.attn.hook_z (heads 0, 1, 2, 3) to the clean run and 'sender' patches it from the corrupted run: a site is either held or changed, not both`,
    );
    expect(errorOf(spec('', '  a: {assert: "attention(ioi, 1.2, END, S2, with={all_clean, sender}) > 0"}'))).toMatch(
      /:12:\d+: expect\.a\.assert: 'all_clean' freezes blocks\.0\.attn\.hook_z \(heads 0, 1, 2, 3\) to the clean run and 'sender' patches it from the corrupted run/,
    );
    // Different hooks never conflict: every site takes its value where the forward reaches it.
    compile(spec('', '  a: {assert: "attention(ioi, 1.2, END, S2, with={all_clean, fix}) > 0"}'));
  });

  it('run=corrupted on a task without corruption', () => {
    expect(errorOf(spec('metrics:\n  m: {kind: attention, task: plain, head: "1.2", from: END, to: S2, run: corrupted}\n', '  a: {assert: "m > 0"}'))).toMatch(
      /:12:3: metrics\.m: metric 'm' needs corrupted prompts but task 'plain' has none: add 'corruption:' to the task/,
    );
    expect(errorOf(spec('', '  a: {assert: "logit_diff(plain, run=corrupted) < 0"}'))).toMatch(/expect\.a\.assert: .*needs corrupted prompts but task 'plain' has none/);
  });

  it('with= naming an unknown intervention on attention and dla', () => {
    expect(errorOf(spec('metrics:\n  m: {kind: dla, task: ioi, with: fixx}\n', '  a: {assert: "top(m, 1) == {1.2}"}'))).toMatch(
      /:12:\d+: metrics\.m\.with: unknown intervention 'fixx' — did you mean 'fix'\?/,
    );
    expect(errorOf(spec('', '  a: {assert: "attention(ioi, 1.2, END, S2, with=nope) > 0"}'))).toMatch(/:12:\d+: expect\.a\.assert: unknown intervention 'nope'/);
  });

  it('run= takes clean or corrupted; head_scores takes no with=; patching_score no run=', () => {
    expect(errorOf(spec('', '  a: {assert: "logit_diff(ioi, run=patched) > 0"}'))).toMatch(/run must be one of clean, corrupted \(got 'patched'\)/);
    expect(errorOf(spec('metrics:\n  m: {kind: logit_diff, task: ioi, run: dirty}\n', '  a: {assert: "m > 0"}'))).toMatch(/^test\/dsl\/specs\/virtual\.spec\.yaml:12:\d+: metrics\.m\.run: /);
    expect(errorOf(spec('', '  a: {assert: "score(head_scores(induction, with=fix), 1.2) > 0"}'))).toMatch(
      /expect\.a\.assert: head_scores runs on random repeated sequences, not on a task's prompts, so with= has no run to edit/,
    );
    expect(errorOf(spec('', '  a: {assert: "patching_score(ioi, with=sender, run=corrupted) > 0"}'))).toMatch(/patching_score compares the patched run with both runs: it takes no run=|no argument 'run'/);
  });
});
