import { describe, expect, it } from 'vitest';
import { compileText } from '../../src/dsl/compile.js';
import { selectClaims } from '../../src/plan/select.js';

describe('selectClaims', () => {
  it('drops the steps only a skipped claim reads (its claim step stays, to report the skip)', () => {
    const plan = compileText('test/plan/virtual.spec.yaml', `name: s
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
expect:
  runs: {assert: "accuracy(ioi) >= 0"}
  skipped: {assert: "count(top(path_patch(ioi), 2)) == 2", skip: not yet}
`);
    const ids = selectClaims(plan, {}).plan.steps.map((s) => s.id);
    expect(plan.steps.map((s) => s.id)).toContain('metric:path_patch(ioi)');
    expect(ids).not.toContain('metric:path_patch(ioi)');
    expect(ids).not.toContain('corrupted:ioi');
    expect(ids).toEqual(expect.arrayContaining(['claim:runs', 'claim:skipped', 'clean:ioi']));
  });
});
