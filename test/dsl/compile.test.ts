import { describe, expect, it } from 'vitest';
import { compileFile, compileText } from '../../src/dsl/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { compileError } from '../helpers/compile.js';

const FILE = 'test/dsl/specs/virtual.spec.yaml';

/** A spec on random:tiny (2 layers × 4 heads) with one IOI task; `extra` adds sections, `expect` the claims. */
function spec(extra: string, claims = '  a: {assert: "ld > 0"}'): string {
  return `name: t
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
  plain: {source: ioi, n: 4}
${extra}
expect:
${claims}
`;
}
const METRICS = 'metrics:\n  ld: {kind: logit_diff, task: ioi}\n  acc: {kind: accuracy, task: ioi}\n';

function compile(text: string): Plan {
  return compileText(FILE, text);
}

const errorOf = (text: string): string => compileError(FILE, text);

describe('compile errors name the place', () => {
  it('unknown metric in a claim, with a suggestion', () => {
    expect(errorOf(spec(METRICS, '  a: {assert: "ldd > 0"}'))).toBe(
      `${FILE}:11:16: expect.a.assert: unknown name 'ldd' — did you mean 'ld'? (metrics and circuits: ld, acc)`,
    );
  });

  it('unknown task and unknown intervention in an inline call', () => {
    expect(errorOf(spec(METRICS, '  a: {assert: "accuracy(ioj) > 0"}'))).toMatch(/:11:25: expect\.a\.assert: unknown task 'ioj' — did you mean 'ioi'\? \(tasks: ioi, plain\)/);
    expect(errorOf(spec(METRICS, '  a: {assert: "accuracy(ioi, with=repair) > 0"}'))).toMatch(/:11:35: expect\.a\.assert: unknown intervention 'repair' \(interventions: none\)/);
  });

  it('unknown function and unknown named argument', () => {
    expect(errorOf(spec(METRICS, '  a: {assert: "acuracy(ioi) > 0"}'))).toMatch(/:11:16: .*unknown function 'acuracy' — did you mean 'accuracy'\?/);
    expect(errorOf(spec(METRICS, '  a: {assert: "accuracy(ioi, wth=x) > 0"}'))).toMatch(/no argument 'wth' — did you mean 'with'\?/);
  });

  it('unknown role, in an intervention used by a task', () => {
    const iv = 'interventions:\n  r: {type: attention_override, heads: "0.1", query: END, keys: {IO: 0.5, S3: 0.5}}\n';
    expect(errorOf(spec(iv + METRICS, '  a: {assert: "accuracy(ioi, with=r) > 0"}'))).toMatch(
      /:7:75: interventions\.r\.keys\.S3: task 'ioi' has no role 'S3' \(roles: IO, S1, S2, S1\+1, END\)/,
    );
  });

  it('a head outside the model', () => {
    expect(errorOf(spec('interventions:\n  r: {type: ablate, method: zero, heads: "{1.2, 2.0}"}\n'))).toBe(
      `${FILE}:7:49: interventions.r.heads: head 2.0 is outside the model (random:tiny has layers 0..1, heads 0..3)`,
    );
    expect(errorOf(spec(METRICS, '  a: {assert: "{1.4} <= top(dla(ioi), 2)"}'))).toMatch(/:11:17: .*head 1\.4 is outside the model/);
    expect(errorOf(spec(METRICS, '  a: {assert: "count(layers 0..5 heads *) > 1"}'))).toMatch(/layer 5 is outside the model/);
  });

  it('a hook that does not exist, with a suggestion', () => {
    expect(errorOf(spec('interventions:\n  r: {type: patch, site: "blocks.1.attn.hook_zz[head=1]"}\n'))).toMatch(
      /:7:27: interventions\.r\.site: unknown hook 'blocks\.1\.attn\.hook_zz' — did you mean 'blocks\.1\.attn\.hook_z'\?/,
    );
    expect(errorOf(spec('interventions:\n  r: {type: patch, site: "blocks.7.hook_resid_pre"}\n'))).toMatch(/layer 7 is outside the model/);
  });

  it('type errors: a table where a number is expected, a non-claim', () => {
    expect(errorOf(spec(METRICS, '  a: {assert: "dla(ioi) > 1"}'))).toMatch(/cannot compare a head table with a number \(use top/);
    expect(errorOf(spec(METRICS, '  a: {assert: "ld"}'))).toMatch(/a claim must be a comparison/);
  });

  it('an expression syntax error points at the character', () => {
    expect(errorOf(spec(METRICS, '  a: {assert: "ld >> 0"}'))).toBe(`${FILE}:11:20: expect.a.assert: unexpected '>' (expected a value: a number, a name, a call, a set or a hook)`);
  });

  it('errors inside multi-line (folded) and quoted assertions point at the right line and column', () => {
    expect(errorOf(spec(METRICS, '  a:\n    assert: >-\n      ld > 0 and\n        foo > 1'))).toMatch(/:14:9: expect\.a\.assert: unknown name 'foo'/);
    expect(errorOf(spec(METRICS, '  a:\n    assert: ld > 0 and\n      foo > 1'))).toMatch(/:13:7: expect\.a\.assert: unknown name 'foo'/);
    expect(errorOf(spec(METRICS, `  a: {assert: 'ld > 0 and foo > 1'}`))).toMatch(/:11:27: expect\.a\.assert: unknown name 'foo'/);
  });

  it('a metric that needs corrupted prompts on a task without corruption', () => {
    expect(errorOf(spec('metrics:\n  pp: {kind: path_patch, task: plain}\n'))).toMatch(/:7:3: metrics\.pp: metric 'pp' needs corrupted prompts but task 'plain' has none/);
  });

  it('circuit stages: unknown earlier stage, nothing kept, unknown circuit role', () => {
    const c = (stages: string) => spec(`circuits:\n  c:\n    task: ioi\n    stages:\n${stages}`);
    expect(errorOf(c('      - {name: s2, role: r, top: 2, receiver: {heads: movers, input: q, positions: [END]}}\n'))).toMatch(/'movers' is not an earlier stage of circuit 'c'/);
    expect(errorOf(c('      - {name: s1, role: mover}\n'))).toMatch(/stage 's1' keeps no heads/);
    const roles = spec('circuits:\n  c: {task: ioi, stages: [{name: s1, role: negative mover, top: 2}]}\n', `  a: {assert: "count(heads(c, role='negative mover')) > 0"}`);
    expect(compile(roles).claims[0].expr).toMatchObject({ left: { op: 'fn', fn: 'count', args: [{ op: 'circuit', role: 'negative mover' }] } });
    expect(errorOf(spec('circuits:\n  c: {task: ioi, stages: [{name: s1, role: mover, top: 2}]}\n', '  a: {assert: "count(heads(c, role=movr)) > 0"}'))).toMatch(/:10:36: expect\.a\.assert: a role of circuit 'c' must be one of mover \(got 'movr'\) — did you mean 'mover'\?/);
  });

  it('names are unique across sections and not keywords', () => {
    expect(errorOf(spec('metrics:\n  ioi: {kind: dla, task: ioi}\n'))).toMatch(/:7:3: metrics\.ioi: 'ioi' is already the name of a task/);
  });

  it('reports several errors at once, one line each', () => {
    const e = errorOf(spec(METRICS, '  a: {assert: "lb > 0"}\n  b: {assert: "accuracy(x) > 0"}'));
    expect(e.split('\n')).toHaveLength(2);
  });

  it('the model source must exist', () => {
    expect(errorOf(spec('').replace('random:tiny', 'random:tinny'))).toMatch(/:2:17: model\.source: unknown random model shape 'tinny' — did you mean 'tiny'\?/);
    expect(errorOf(spec('').replace('random:tiny', 'gpt3'))).toMatch(/unknown model 'gpt3'/);
  });
});

describe('plans', () => {
  it('the example spec compiles (every section used)', () => {
    const plan = compileFile('test/dsl/specs/tiny.spec.yaml');
    expect(plan.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['load_model', 'build_task', 'check_task', 'clean_run', 'corrupted_run', 'metric', 'circuit', 'claim']));
    expect(plan.claims.map((c) => c.mode)).toEqual(['run', 'xfail', 'run', 'run', 'skip']);
  });

  it('shares one clean run per task across metrics, and dedupes identical requests', () => {
    const plan = compile(spec(METRICS, '  a: {assert: "ld > 0 and accuracy(ioi) > 0.5"}\n  b: {assert: "acc < 2"}'));
    const runs = plan.steps.filter((s) => s.kind === 'clean_run');
    expect(runs.map((s) => s.id)).toEqual(['clean:ioi']);
    expect(plan.steps.filter((s) => s.kind === 'corrupted_run')).toEqual([]);
    expect(plan.steps.filter((s) => s.kind === 'metric').map((s) => s.id)).toEqual(['metric:ld', 'metric:acc']);
    expect(plan.claims[0].needs).toEqual(['metric:ld', 'metric:acc']);
  });

  it('inline metrics with interventions become steps that need the corrupted run only when patching', () => {
    const iv = 'interventions:\n  p: {type: patch, heads: "layers 1 heads 0..1", positions: [END]}\n  z: {type: ablate, method: zero, heads: "1.3"}\n';
    const plan = compile(spec(iv + METRICS, '  a: {assert: "delta(accuracy(ioi, with=p), accuracy(ioi, with=z)) >= 0"}'));
    const m = plan.steps.filter((s) => s.kind === 'metric');
    expect(m.map((s) => s.id)).toContain('metric:accuracy(ioi, with=p)');
    const p = m.find((s) => s.id === 'metric:accuracy(ioi, with=p)')!;
    expect(p.deps).toEqual(['model', 'clean:ioi', 'corrupted:ioi']);
    expect(p.kind === 'metric' && p.request).toEqual({
      kind: 'accuracy', task: 'ioi', with: [{ type: 'patch', hook: 'blocks.1.attn.hook_z', heads: [0, 1], positions: ['END'], from: 'corrupted' }],
    });
    const z = m.find((s) => s.id === 'metric:accuracy(ioi, with=z)')!;
    expect(z.deps).toEqual(['model', 'clean:ioi']);
  });

  it('compiles circuits, claims over sets, and estimates forward passes', () => {
    const plan = compile(spec(`${METRICS}circuits:
  c:
    task: ioi
    stages:
      - {name: movers, role: mover, top: 2, sign: negative}
      - {name: inh, role: inhibition, top: "25%", receiver: {heads: movers, input: q, positions: [END]}, senders: [S2]}
  paper:
    heads: {mover: "{1.1, 1.2}"}
`, '  a: {assert: "overlap(c, paper) >= 0.5 and 1.1 in heads(c, role=mover)", tags: [circuits], xfail: maybe}'));
    const c = plan.steps.find((s) => s.id === 'circuit:c')!;
    expect(c.kind === 'circuit' && c.stages[1]).toEqual({
      name: 'inh', role: 'inhibition', receiver: { heads: [], stages: ['movers'], input: 'q', positions: ['END'] },
      senderPositions: ['S2'], keep: { topPercent: 25 }, sign: 'abs',
    });
    expect(plan.claims[0]).toMatchObject({ mode: 'xfail', reason: 'maybe', tags: ['circuits'], needs: ['circuit:c', 'circuit:paper'] });
    expect(plan.estimate.forwardPasses).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan); // plain data
  });

  it('--model overrides the spec model and re-checks heads against it', () => {
    const text = spec(METRICS, '  a: {assert: "score(dla(ioi), 11.11) > 0"}').replace('random:tiny', 'gpt2');
    expect(() => compileText(FILE, text, { model: 'random:tiny' })).toThrow(/head 11\.11 is outside the model \(random:tiny/);
    expect(compileText(FILE, text).model.shape.nLayers).toBe(12);
  });
});
