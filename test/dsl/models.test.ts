/** Several models in one spec (`models:`, `on:`, `name@model`, `on=`): the plan, and misuse located in the spec. */
import { describe, expect, it } from 'vitest';
import { compileText, type CompileOptions } from '../../src/dsl/compile.js';
import { CircuitspecError } from '../../src/errors.js';
import { perModel } from '../../src/plan/per-model.js';
import { selectClaims } from '../../src/plan/select.js';
import type { Plan } from '../../src/plan/types.js';

const FILE = 'test/dsl/specs/virtual.spec.yaml';

/** Two models (random:tiny is 2 layers × 4 heads, random:gpt2 12 × 12); `body` holds everything after models:. */
function spec(body: string, claims: string): string {
  return `name: t
models:
  small: {source: random:tiny}
  big: {source: random:gpt2}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
${body}
expect:
${claims}
`;
}

const compile = (text: string, opts: CompileOptions = {}): Plan => compileText(FILE, text, opts);

function errorOf(text: string, opts: CompileOptions = {}): string {
  try {
    compile(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(CircuitspecError);
    return (e as CircuitspecError).format();
  }
  throw new Error('compiled without error');
}

describe('models: the plan', () => {
  const plan = compile(spec('metrics:\n  ld: {kind: logit_diff, task: ioi}\n  big_acc: {kind: accuracy, task: ioi, on: big}', '  a: {assert: "(ld@small < ld@big or ld@small >= ld@big) and big_acc >= 0 and accuracy(ioi, on=small) >= 0"}'));

  it('runs each model once, its steps together, claims after every model', () => {
    expect(plan.models!.map((m) => [m.name, m.source, m.shape.nLayers])).toEqual([['small', 'random:tiny', 2], ['big', 'random:gpt2', 12]]);
    expect(plan.model.source).toBe('random:tiny');
    const order = plan.steps.map((s) => s.model ?? 'claims');
    expect(order).toEqual([...order.filter((m) => m === 'small'), ...order.filter((m) => m === 'big'), 'claims']);
    expect(plan.steps.filter((s) => s.kind === 'load_model').map((s) => s.id)).toEqual(['small/model', 'big/model']);
    // Each model builds the task with its own tokenizer.
    expect(plan.tasks.map((t) => `${t.name}@${t.model}`)).toEqual(['ioi@small', 'ioi@big']);
    expect(plan.steps.filter((s) => s.kind === 'metric').map((s) => s.id)).toEqual(['small/metric:ld@small', 'small/metric:accuracy(ioi, on=small)', 'big/metric:ld@big', 'big/metric:big_acc@big']);
  });

  it('a claim filter that reads one model drops the other model entirely (it is never loaded)', () => {
    const two = compile(spec('metrics:\n  ld: {kind: logit_diff, task: ioi}', '  on_small: {assert: "ld@small > 0"}\n  on_big: {assert: "ld@big > 0"}'));
    const { plan: only } = selectClaims(two, { filter: 'on_big' });
    expect(only.steps.map((s) => s.id)).toEqual(['big/model', 'big/task:ioi', 'big/check:ioi', 'big/clean:ioi', 'big/metric:ld@big', 'claim:on_big']);
    expect(only.tasks.map((t) => `${t.name}@${t.model}`)).toEqual(['ioi@big']);
  });

  it('every dependency is a step of the same model', () => {
    const byId = new Map(plan.steps.map((s) => [s.id, s]));
    for (const s of plan.steps) for (const d of s.deps) if (s.kind !== 'claim') expect(byId.get(d)!.model).toBe(s.model);
  });

  it('splits into one-model plans whose estimates add up', () => {
    const parts = perModel(plan);
    expect(parts.map((p) => p.model.source)).toEqual(['random:tiny', 'random:gpt2']);
    expect(parts.reduce((a, p) => a + p.steps.reduce((b, s) => b + s.forwardPasses, 0), 0)).toBe(plan.estimate.forwardPasses);
    expect(plan.estimate.forwardPasses).toBeGreaterThan(0);
  });

  it('a one-model spec is unchanged: no models, no step model, plain ids', () => {
    const one = compile('name: t\nmodel: {source: random:tiny}\ntasks:\n  ioi: {source: ioi, n: 4}\nexpect:\n  a: {assert: "accuracy(ioi) >= 0"}\n');
    expect(one.models).toBeUndefined();
    expect(one.steps.map((s) => s.id)).toEqual(['model', 'task:ioi', 'check:ioi', 'clean:ioi', 'metric:accuracy(ioi)', 'claim:a']);
    expect(one.steps.every((s) => s.model === undefined)).toBe(true);
  });

  it('literal heads in a claim across models fit the widest model; each model checks its own', () => {
    const c = 'circuits:\n  c: {heads: {mover: "{1.1}"}}';
    expect(() => compile(spec(c, '  a: {assert: "{11.11} in {11.11, 1.1} and heads(c@small) == heads(c@big)"}'))).not.toThrow();
    expect(errorOf(spec('circuits:\n  c: {heads: {mover: "{11.1}"}}', '  a: {assert: "heads(c@big) == {11.1}"}'))).toMatch(/circuits\.c\.heads\.mover: .*small \(random:tiny\)/);
  });

  it('--model SRC replaces every model; --model name=SRC the named ones', () => {
    expect(compile(spec('', '  a: {assert: "accuracy(ioi, on=big) >= 0"}'), { model: 'random:tiny' }).models!.map((m) => m.source)).toEqual(['random:tiny', 'random:tiny']);
    expect(compile(spec('', '  a: {assert: "accuracy(ioi, on=big) >= 0"}'), { model: 'big=random:gpt2-medium-narrow' }).models!.map((m) => m.source)).toEqual(['random:tiny', 'random:gpt2-medium-narrow']);
    expect(errorOf(spec('', '  a: {assert: "accuracy(ioi, on=big) >= 0"}'), { model: 'bug=random:tiny' })).toMatch(/--model: the spec has no model 'bug' — did you mean 'big'\? \(models: small, big\)/);
    expect(errorOf('name: t\nmodel: {source: random:tiny}\nexpect:\n  a: {assert: "1 > 0"}\n', { model: 'big=random:tiny' })).toMatch(/name=source picks one of a spec's models:/);
  });
});

describe('models: misuse is located', () => {
  it('model: and models: together, or neither', () => {
    expect(errorOf('name: t\nmodel: {source: random:tiny}\nmodels:\n  a: {source: random:tiny}\nexpect:\n  a: {assert: "1 > 0"}\n'))
      .toBe(`${FILE}:3:1: models: give model: (one model) or models: (several by name), not both`);
    expect(errorOf('name: t\nexpect:\n  a: {assert: "1 > 0"}\n')).toMatch(/:1:1: name: a spec needs model: \(one model\) or models:/);
    expect(errorOf('name: t\nmodels: {}\nexpect:\n  a: {assert: "1 > 0"}\n')).toMatch(/:2:1: models: models: is empty/);
  });

  it('a plain name on several models must say which', () => {
    expect(errorOf(spec('metrics:\n  ld: {kind: logit_diff, task: ioi}', '  a: {assert: "ld > 0"}')))
      .toBe(`${FILE}:10:16: expect.a.assert: 'ld' runs on 2 models: say which, e.g. ld@small (ld@small, ld@big)`);
    expect(errorOf(spec('circuits:\n  c: {heads: {mover: "{1.1}"}}', '  a: {assert: "1.1 in heads(c)"}'))).toMatch(/:10:29: .*'c' runs on 2 models: say which, e\.g\. c@small/);
  });

  it('a model the metric does not run on, an unknown model', () => {
    const m = 'metrics:\n  ld: {kind: logit_diff, task: ioi, on: big}';
    expect(errorOf(spec(m, '  a: {assert: "ld@small > 0"}'))).toMatch(/:10:16: .*'ld' does not run on small \(it runs on big\): add small to its on:/);
    expect(errorOf(spec(m, '  a: {assert: "ld@bgi > 0"}'))).toMatch(/:10:16: .*unknown model 'bgi' — did you mean 'big'\?/);
    expect(errorOf(spec('metrics:\n  ld: {kind: logit_diff, task: ioi, on: [small, bgi]}', '  a: {assert: "1 > 0"}'))).toMatch(/:8:41: metrics\.ld\.on: unknown model 'bgi' — did you mean 'big'\? \(models: small, big\)/);
  });

  it('a metric call needs on= when its task is on several models', () => {
    expect(errorOf(spec('', '  a: {assert: "accuracy(ioi) > 0"}'))).toMatch(/:9:16: .*with several models a metric call says which it measures: accuracy\(…, on=small\)/);
    expect(errorOf(spec('', '  a: {assert: "accuracy(ioi, on=huge) > 0"}'))).toMatch(/:9:33: .*unknown model 'huge'/);
    // The only model its task is on needs no on=.
    const only = compile(spec('  big_only: {source: ioi, n: 4, on: big}', '  a: {assert: "accuracy(big_only) > 0"}'));
    expect(only.steps.find((s) => s.kind === 'metric')!.model).toBe('big');
  });

  it('a metric on a model its task is not on', () => {
    const body = '  big_only: {source: ioi, n: 4, on: big}\nmetrics:\n  acc: {kind: accuracy, task: big_only, on: small}';
    expect(errorOf(spec(body, '  a: {assert: "acc > 0"}'))).toMatch(/:9:3: metrics\.acc: metric 'acc' runs on small but task 'big_only' is not on it \(task 'big_only' is on big\)/);
    expect(errorOf(spec('  big_only: {source: ioi, n: 4, on: big}', '  a: {assert: "accuracy(big_only, on=small) > 0"}'))).toMatch(/task 'big_only' is not on small/);
  });

  it('an intervention on one model: its heads are checked there only; a metric elsewhere says so', () => {
    const iv = 'interventions:\n  big_heads: {type: ablate, method: zero, heads: "{11.11}", on: big}';
    expect(compile(spec(iv, '  a: {assert: "accuracy(ioi, with=big_heads, on=big) >= 0"}')).steps.some((s) => s.model === 'big' && s.kind === 'metric')).toBe(true);
    expect(errorOf(spec(iv, '  a: {assert: "accuracy(ioi, with=big_heads, on=small) >= 0"}'))).toMatch(/:10:35: .*intervention 'big_heads' is not on small \(random:tiny\): add it to the intervention's on:/);
    expect(errorOf(spec(iv.replace(', on: big', ''), '  a: {assert: "accuracy(ioi, with=big_heads, on=big) >= 0"}'))).toMatch(/interventions\.big_heads\.heads: .*small \(random:tiny\)/);
  });

  it('on: and on= with one model:', () => {
    const one = (body: string, claim: string) => `name: t\nmodel: {source: random:tiny}\ntasks:\n  ioi: {source: ioi, n: 4${body}}\nexpect:\n  a: {assert: "${claim}"}\n`;
    expect(errorOf(one(', on: big', 'accuracy(ioi) > 0'))).toMatch(/tasks\.ioi\.on: on: picks among a spec's models:, but this spec has one model:/);
    expect(errorOf(one('', 'accuracy(ioi, on=big) > 0'))).toMatch(/:6:33: .*on= picks one of a spec's models:/);
    expect(errorOf(one('', 'ld@big > 0'))).toMatch(/unknown name 'ld@big'/);
  });
});
