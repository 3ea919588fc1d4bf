// The README's spec example must stay a valid spec: compile it as if it sat in specs/organisms/.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText } from '../src/dsl/compile.js';

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
