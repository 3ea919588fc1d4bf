// Every spec shipped in specs/ compiles (schema, names, expressions, heads against the model's shape).
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findSpecs } from '../../src/cli/find.js';
import { compileFile } from '../../src/dsl/compile.js';

const files = existsSync('specs') ? findSpecs(['specs']) : [];

describe('specs/ compile', () => {
  it.each(files.length ? files : ['(none)'])('%s', (file) => {
    if (file === '(none)') return;
    const plan = compileFile(file);
    expect(plan.claims.length).toBeGreaterThan(0);
  });
});
