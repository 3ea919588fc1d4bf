import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { schemaJson } from '../../src/dsl/gen-schema.js';
import { parseSpec } from '../../src/dsl/load.js';
import type { MetricSpec, Spec } from '../../src/dsl/schema.js';
import { CircuitspecError } from '../../src/errors.js';

const base = 'name: x\nmodel: {source: random:tiny}\nexpect: {a: {assert: "1 > 0"}}\n';

function errorsOf(text: string): string[] {
  try {
    parseSpec('specs/x.spec.yaml', text);
  } catch (e) {
    expect(e).toBeInstanceOf(CircuitspecError);
    return (e as CircuitspecError).format().split('\n');
  }
  return [];
}

describe('spec schema', () => {
  it('the checked-in schema/spec.schema.json is generated from src/dsl/schema.ts', () => {
    expect(readFileSync(new URL('../../schema/spec.schema.json', import.meta.url), 'utf8')).toBe(schemaJson());
  });

  it('derives the TypeScript type from the schema', () => {
    expectTypeOf<Spec['name']>().toEqualTypeOf<string>();
    expectTypeOf<Extract<MetricSpec, { kind: 'accuracy' }>['over']>().toEqualTypeOf<'vocab' | 'candidates' | 'distractors' | undefined>();
    expectTypeOf<Spec['expect'][string]['xfail']>().toEqualTypeOf<string | boolean | undefined>();
  });

  it('accepts a minimal spec and keeps expression fields as source text', () => {
    const { spec } = parseSpec('x.spec.yaml', `${base}interventions:\n  r: {type: attention_override, heads: {12.3, 13.10}, query: END, keys: {IO: 1}}\n`);
    expect(spec.interventions!.r).toMatchObject({ heads: '{12.3, 13.10}' });
    const { spec: s2 } = parseSpec('x.spec.yaml', `${base}metrics:\n  a: {kind: attention, task: t, head: 13.10, from: END, to: IO}\n`);
    expect(s2.metrics!.a).toMatchObject({ head: '13.10' });
  });
});

describe('schema errors', () => {
  it('locates a misspelt enum value with a suggestion', () => {
    expect(errorsOf(`${base}tasks: {t: {source: ioi, n: 2}}\nmetrics:\n  acc:\n    kind: acuracy\n    task: t\n`)).toEqual([
      "specs/x.spec.yaml:7:11: metrics.acc.kind: must be one of logit_diff, accuracy, answer_prob, prob_diff, attention, dla, patching_score, path_patch, head_scores (got 'acuracy') — did you mean 'accuracy'?",
    ]);
  });

  it('rejects unknown keys, at the key', () => {
    expect(errorsOf(base.replace('random:tiny}', 'random:tiny, procesing: none}'))).toEqual([
      "specs/x.spec.yaml:2:30: model.procesing: unknown field 'procesing' — did you mean 'processing'? (allowed: source, processing, backend)",
    ]);
    expect(errorsOf(`${base}colour: red\n`)[0]).toMatch(/^specs\/x\.spec\.yaml:4:1: colour: unknown field 'colour'/);
  });

  it('reports missing fields, wrong types, bad names and bad oneOf values, one line each', () => {
    const errs = errorsOf(`${base}tasks:\n  bad-name: {source: jsonl}\n  t: {source: ioi, n: many}\nmetrics:\n  m: {kind: logit_diff, task: t, with: 3}\n`);
    expect(errs).toEqual([
      expect.stringMatching(/:5:3: tasks: invalid name 'bad-name'/),
      expect.stringMatching(/:5:3: tasks\.bad-name: missing required field 'path'/),
      "specs/x.spec.yaml:6:23: tasks.t.n: must be an integer (got 'many')",
      'specs/x.spec.yaml:8:40: metrics.m.with: must be a string or a list of strings (got 3)',
    ]);
    expect(errs.every((l) => !/\bajv\b|instancePath|schemaPath|at Object/.test(l))).toBe(true);
  });

  it('reports YAML syntax errors with a location and a hint for unquoted { expressions', () => {
    const [line] = errorsOf(`${base.replace('"1 > 0"', '{15.14} <= top(pp, 8)')}`);
    expect(line).toMatch(/^specs\/x\.spec\.yaml:3:\d+: invalid YAML/);
  });

  it('requires the top-level fields', () => {
    // model: or models: is checked by the compiler (one of the two: test/dsl/models.test.ts).
    expect(errorsOf('name: x\n')).toEqual([
      "specs/x.spec.yaml:1:1: missing required field 'expect'",
    ]);
  });
});
