// The README's spec example must stay a valid spec: compile it as if it sat in specs/organisms/.
import { readFileSync } from 'node:fs';
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
