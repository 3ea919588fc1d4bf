/** The path_patch options of issue 12 in the spec language: receivers z and resid_*, sender rules, normalisation. */
import { describe, expect, it } from 'vitest';
import { compileText } from '../../src/dsl/compile.js';
import { CircuitspecError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/types.js';

const FILE = 'test/dsl/specs/virtual.spec.yaml';
const spec = (extra: string, claims = '  a: {assert: "top(pp, 1) <= layers 0 heads *"}') => `name: t
model: {source: random:tiny}
tasks:
  ioi: {source: ioi, n: 4, corruption: s2_io_flip}
${extra}
expect:
${claims}
`;
const requests = (p: Plan) => p.steps.flatMap((s) => (s.kind === 'metric' && s.request.kind === 'path_patch' ? [s.request] : []));
const errorOf = (text: string): string => {
  try {
    compileText(FILE, text);
  } catch (e) {
    expect(e).toBeInstanceOf(CircuitspecError);
    return (e as CircuitspecError).format();
  }
  throw new Error('compiled without error');
};

describe('path_patch options in specs', () => {
  it('z and residual receivers, sender rules and normalisation reach the request', () => {
    const p = compileText(FILE, spec(`metrics:
  pp: {kind: path_patch, task: ioi, to: {heads: "1.0", input: z, positions: [S2]}, excludeReceivers: true, normalization: gap_percent}
  pr: {kind: path_patch, task: ioi, to: {hook: blocks.1.hook_resid_mid, positions: [END]}, senders: [END]}`));
    const [pp, pr] = requests(p);
    expect(pp).toMatchObject({ receivers: { heads: [{ layer: 1, head: 0 }], input: 'z', positions: ['S2'] }, excludeReceivers: true, normalization: 'gap_percent' });
    expect(pp).not.toHaveProperty('sendersBelowReceivers');
    expect(pr).toMatchObject({ receivers: { resid: 'resid_mid', layer: 1, positions: ['END'] }, senderPositions: ['END'] });
  });

  it('spec-wide pathPatching defaults apply to metrics and stages, and each may override them', () => {
    const p = compileText(FILE, spec(`pathPatching: {sendersBelowReceivers: true, excludeReceivers: true, normalization: gap_percent}
metrics:
  pp: {kind: path_patch, task: ioi, to: logits, normalization: relative_clean}
circuits:
  c:
    task: ioi
    stages:
      - {name: a, role: r, top: 1}
      - {name: b, role: s, top: 1, receiver: {heads: a, input: q, positions: [END]}, excludeReceivers: false}`));
    expect(requests(p)[0]).toMatchObject({ sendersBelowReceivers: true, excludeReceivers: true, normalization: 'relative_clean' });
    const circuit = p.steps.find((s) => s.kind === 'circuit');
    expect(circuit?.kind === 'circuit' && circuit.stages.map((s) => [s.sendersBelowReceivers, s.excludeReceivers, s.normalization])).toEqual([
      [true, true, 'gap_percent'], [true, false, 'gap_percent'],
    ]);
  });

  it('inline calls take input=z and the rules', () => {
    const p = compileText(FILE, spec('', '  a: {assert: "top(path_patch(ioi, to={1.1}, input=z, at=END, exclude_receivers=true, normalization=gap_percent), 1) <= layers 0 heads *"}'));
    expect(requests(p)[0]).toMatchObject({ receivers: { input: 'z' }, excludeReceivers: true, normalization: 'gap_percent' });
  });

  it('bad receivers and rules are located errors', () => {
    expect(errorOf(spec('metrics:\n  pp: {kind: path_patch, task: ioi, to: {hook: blocks.7.hook_resid_post, positions: [END]}}'))).toMatch(/:6:\d+: metrics\.pp\.to\.hook: receiver hook 'blocks\.7\.hook_resid_post': layer 7 is out of range/);
    expect(errorOf(spec('metrics:\n  pp: {kind: path_patch, task: ioi, to: {hook: blocks.0.hook_attn_out, positions: [END]}}'))).toMatch(/metrics\.pp\.to/);
    expect(errorOf(spec('metrics:\n  pp: {kind: path_patch, task: ioi, to: logits, normalization: percent}'))).toMatch(/metrics\.pp\.normalization/);
    expect(errorOf(spec('metrics:\n  pp: {kind: path_patch, task: ioi, to: {hook: blocks.0.hook_resid_pre, positions: [S3]}}'))).toMatch(/has no role 'S3'/);
  });
});
