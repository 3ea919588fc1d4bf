/** Results of a spec with several models: diff pairs models by name; the HTML provenance names each model. */
import { describe, expect, it } from 'vitest';
import { summarize, type RunResults, type SpecResult } from '../../src/plan/results.js';
import { diffResults, formatDiff } from '../../src/report/diff.js';
import { renderReport } from '../../src/report/html.js';
import { junitXml } from '../../src/report/junit.js';
import { sampleSpec } from './sample.js';

const wrap = (s: SpecResult): RunResults => ({ version: 1, specs: [s], summary: summarize([s]), durationMs: 1 });

/** sampleSpec with two models, `small` and `big`, and one metric on each. */
function twoModels(): SpecResult {
  const s = sampleSpec();
  const small = { source: 'random:tiny', weightHash: 'a'.repeat(64), processing: 'none' as const, backend: 'wasm' };
  s.provenance.model = small;
  s.provenance.models = { small, big: { ...small, source: 'random:gpt2', weightHash: 'b'.repeat(64) } };
  s.metrics = {
    'acc@small': { ...s.metrics.acc, name: 'acc@small' },
    'acc@big': { ...s.metrics.acc, name: 'acc@big', value: { type: 'scalar', value: 0.9, perPrompt: [1, 1] } },
  };
  return s;
}

describe('several models in results', () => {
  it('diff says which model changed underneath and which model\'s values moved', () => {
    const a = twoModels();
    const b = structuredClone(a);
    b.provenance.models!.big.weightHash = 'c'.repeat(64);
    b.metrics['acc@big'].value = { type: 'scalar', value: 0.7, perPrompt: [1, 0] };
    const d = diffResults(wrap(a), wrap(b));
    expect(d.map((e) => `${e.kind} ${e.item}`)).toEqual(['changed model big', 'moved metric acc@big']);
    expect(formatDiff(d)).toContain('paper > model big: random:gpt2 (weights bbbbbbbbbbbb) → random:gpt2 (weights cccccccccccc)');
    expect(diffResults(wrap(a), wrap(structuredClone(a)))).toEqual([]);
  });

  it('a model only on one side is a change; a one-model run against a several-model run too', () => {
    const a = twoModels();
    const b = structuredClone(a);
    delete b.provenance.models!.big;
    expect(diffResults(wrap(a), wrap(b)).filter((e) => e.kind === 'changed').map((e) => `${e.item}: ${e.detail}`))
      .toEqual([`model big: random:gpt2 (weights bbbbbbbbbbbb) → none`]);
    const items = diffResults(wrap(sampleSpec()), wrap(a)).filter((e) => e.kind === 'changed').map((e) => e.item);
    expect(items).toEqual(['model', 'model small', 'model big']);
  });

  it('JUnit names each model as a property of the suite; one model adds none', () => {
    expect(junitXml(wrap(twoModels()))).toContain(`<properties><property name="model.small" value="random:tiny ${'a'.repeat(64)}"/><property name="model.big" value="random:gpt2 ${'b'.repeat(64)}"/></properties>`);
    expect(junitXml(wrap(sampleSpec()))).not.toContain('<properties>');
  });

  it('the HTML provenance lists every model', () => {
    const html = renderReport(wrap(twoModels()));
    expect(html).toContain('provenance: small random:tiny, big random:gpt2');
    expect(html).toContain('small: random:tiny; big: random:gpt2');
  });
});
