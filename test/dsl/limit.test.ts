import { describe, expect, it } from 'vitest';
import { compileText } from '../../src/dsl/compile.js';

const text = `name: t
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 40, corruption: s2_io_flip}
  cobj: {source: colored-objects-paper}
metrics:
  a: {kind: accuracy, task: ioi}
  b: {kind: accuracy, task: cobj}
expect:
  x: {assert: "a >= 0 and b >= 0"}
`;

describe('--limit', () => {
  it('cuts every task to its first N prompts in the plan (datasets too) and records it', () => {
    const p = compileText('test/dsl/specs/virtual.spec.yaml', text, { limit: 7 });
    expect(p.limit).toBe(7);
    expect(p.tasks.map((t) => [t.name, t.prompts, t.limit])).toEqual([['ioi', 7, 7], ['cobj', 7, 7]]);
    const q = compileText('test/dsl/specs/virtual.spec.yaml', text);
    expect(q.limit).toBeUndefined();
    expect(q.tasks[0].prompts).toBe(40);
    expect(() => compileText('test/dsl/specs/virtual.spec.yaml', text, { limit: 0 })).toThrow(/limit must be a whole number/);
  });
});
