// The README's spec example must stay a valid spec: compile it as if it sat in specs/organisms/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText } from '../src/dsl/compile.js';
import { runSpec } from '../src/cli/runner.js';

const root = join(import.meta.dirname, '..');

describe('README', () => {
  it('its spec example compiles', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const plan = compileText(join(root, 'specs/organisms/readme.spec.yaml'), yaml!);
    expect(plan.claims.map((c) => c.name)).toContain('circuit');
    expect(plan.claims.find((c) => c.name === 'has_induction')?.mode).toBe('xfail');
  });
});

describe('README path-patching snippet', () => {
  it('compiles inside the main example (the spec-wide rules reach its metrics)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const [main, snippet] = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(snippet).toContain('pathPatching:');
    const [rules, metrics] = snippet.split('metrics:\n');
    const yaml = main.replace('metrics:\n', `${rules}metrics:\n${metrics}`);
    const plan = compileText(join(root, 'specs/organisms/readme.spec.yaml'), yaml);
    const pp = plan.steps.flatMap((s) => (s.kind === 'metric' && s.request.kind === 'path_patch' ? [s.request] : []));
    expect(pp.map((r) => r.normalization)).toEqual(['gap_percent', 'gap_percent', 'gap_percent']);
    expect(pp.find((r) => r.receivers !== 'logits' && 'heads' in r.receivers)).toMatchObject({ receivers: { input: 'z' }, excludeReceivers: true });
  });
});

describe('README several-models example', () => {
  it('compiles as a spec in specs/organisms/: two models, values per model', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => /^models:/m.test(y));
    expect(yaml).toBeDefined();
    const plan = compileText(join(root, 'specs/organisms/readme.spec.yaml'), yaml!);
    expect(plan.models!.map((m) => m.name)).toEqual(['s', 'cobj']);
    const metrics = plan.steps.flatMap((s) => (s.kind === 'metric' ? [`${s.name} on ${s.model}`] : []));
    expect(metrics).toEqual(expect.arrayContaining(['acc@s on s', 'pp@s on s', 'acc@cobj on cobj', 'accuracy(ioi, over=distractors, on=cobj) on cobj']));
    expect(plan.claims.map((c) => c.name)).toEqual(['both_solve', 'same_heads', 'circuit_kept']);
  });

  it('runs on the two IOI organisms (first 20 prompts) and every claim passes', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => /^models:/m.test(y))!;
    const dir = mkdtempSync(join(tmpdir(), 'readme-models-'));
    const file = join(dir, 'readme-models.spec.yaml');
    writeFileSync(file, yaml.replaceAll('../../fixtures/', `${join(root, 'fixtures')}/`));
    try {
      const r = await runSpec(file, { backend: 'wasm', workers: 1, limit: 20 });
      expect(r.error).toBeUndefined();
      expect(r.claims.map((c) => [c.name, c.verdict])).toEqual([['both_solve', 'pass'], ['same_heads', 'pass'], ['circuit_kept', 'pass']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('README effects snippet', () => {
  it('runs on the IOI organism and every claim passes', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => y.startsWith('name: ioi-effects'));
    expect(yaml).toBeDefined();
    // As if it sat in specs/organisms/ (its model path is relative to there).
    const dir = mkdtempSync(join(tmpdir(), 'readme-effects-'));
    const file = join(dir, 'readme-effects.spec.yaml');
    writeFileSync(file, yaml!.replace('../../fixtures/organisms/ioi-s', join(root, 'fixtures/organisms/ioi-s')));
    try {
      const r = await runSpec(file, { backend: 'wasm', workers: 1 });
      expect(r.error).toBeUndefined();
      expect(r.claims.map((c) => [c.name, c.verdict])).toEqual([
        ['corrupted_run_prefers_s', 'pass'], ['effect_flows_through_inhibitors', 'pass'], ['direct_path_is_path_patching', 'pass'], ['looks_at_s2_but_writes_the_opposite', 'pass'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('README random-control snippet', () => {
  it('added to the main example, compiles and runs: its claims pass on the organism (first 10 prompts)', async () => {
    const { runSpec } = await import('../src/cli/runner.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const main = blocks[0];
    const snippet = blocks.find((b) => b.includes('random('))!;
    const part = (name: string) => [...snippet.matchAll(/^(\w+):\n((?: {2}.*\n)+)/gm)].find((m) => m[1] === name)![2];
    let yaml = main;
    for (const section of ['interventions', 'metrics', 'expect']) yaml = yaml.replace(`${section}:\n`, `${section}:\n${part(section)}`);
    yaml = yaml.replace('../../fixtures/organisms/ioi-s', join(root, 'fixtures/organisms/ioi-s'));
    const file = join(mkdtempSync(join(tmpdir(), 'circuitspec-readme-')), 'readme.spec.yaml');
    writeFileSync(file, yaml);
    const r = await runSpec(file, { limit: 10, filter: '/beyond_random|control_is_tight/' });
    const ran = r.claims.filter((c) => c.verdict !== 'skip');
    expect(ran.map((c) => [c.name, c.verdict])).toEqual([['beyond_random', 'pass'], ['control_is_tight', 'pass']]);
    expect(ran[0].checks[0].control).toMatchObject({ samples: 10, k: 3 });
  }, 120_000);
});

describe('README token ids, head scores and Greater-Than', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('its token-id JSONL line reads as written (the IOI prompt, roles where they say)', async () => {
    const { buildTask } = await import('../src/runtime/tasks/index.js');
    const { gpt2Tokenizer } = await import('../src/runtime/tokenizer/index.js');
    const line = /```jsonl\n([\s\S]*?)```/.exec(readme)![1];
    const dir = mkdtempSync(join(tmpdir(), 'circuitspec-readme-'));
    writeFileSync(join(dir, 'ids.jsonl'), line);
    const tok = gpt2Tokenizer();
    const [p] = buildTask('t', { file: 'ids.jsonl' }, tok, { baseDir: dir }).prompts;
    expect(p.text).toBe('<|endoftext|>When Mary and John went to the store, John gave a drink to');
    expect([p.answer, p.distractors, p.roles]).toEqual([' Mary', [' John'], { IO: 2, S1: 4, S2: 10, END: 14 }]);
    expect(tok.decode(p.corrupted!.tokens)).toContain('store, Mary gave');
  });

  it('its spec runs on the IOI organism and every claim passes', async () => {
    const { runSpec } = await import('../src/cli/runner.js');
    const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => y.includes('source: greater_than'))!;
    const dir = mkdtempSync(join(tmpdir(), 'circuitspec-readme-'));
    const file = join(dir, 'readme-sequences.spec.yaml');
    writeFileSync(file, yaml.replaceAll('../../fixtures/', `${join(root, 'fixtures')}/`));
    const r = await runSpec(file, { backend: 'wasm' });
    expect(r.error).toBeUndefined();
    expect(r.claims.map((c) => [c.name, c.verdict])).toEqual(['no_induction_head', 'previous_token_head', 's2_values_from_layer0', 'no_greater_than'].map((n) => [n, 'pass']));
  }, 120_000);
});
