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
