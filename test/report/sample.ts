/** A results object with one claim of each verdict, for reporter and diff tests. */
import type { ClaimResult, SpecResult } from '../../src/plan/results.js';

const at = { file: 'specs/x.spec.yaml', line: 3, column: 3 };
const claim = (name: string, verdict: ClaimResult['verdict'], extra: Partial<ClaimResult> = {}): ClaimResult => ({
  name, assert: `${name} > 1`, verdict, checks: [], tags: [], at: { ...at, line: at.line + name.length }, ms: 3, ...extra,
});

export function sampleSpec(): SpecResult {
  return {
    version: 1, name: 'paper', file: 'specs/x.spec.yaml',
    provenance: {
      specFile: 'specs/x.spec.yaml', specSha256: 'abc', model: { source: 'random:tiny', weightHash: 'random:seed=0', processing: 'none', backend: 'wasm' },
      packageVersion: '0.1.0', node: 'v20', platform: 'linux-x64', seed: 0, taskSeeds: {}, batchSize: 8, startedAt: '2024-01-01T00:00:00Z',
    },
    metrics: {
      acc: { name: 'acc', request: { kind: 'accuracy', task: 't' }, value: { type: 'scalar', value: 0.5, perPrompt: [1, 0] }, ms: 1 },
      pp: { name: 'pp', request: { kind: 'dla', task: 't' }, value: { type: 'heads', nLayers: 1, nHeads: 2, values: [[0.2, -0.7]] }, ms: 1 },
    },
    circuits: { c: { task: 't', heads: [{ layer: 0, head: 1, role: 'mover', stage: 's', score: -0.7 }] } },
    claims: [
      claim('good', 'pass', { measured: { type: 'number', value: 0.937 }, expected: '== 0.937 ± 0.02' }),
      claim('bad', 'fail', { measured: { type: 'number', value: 0.4 }, expected: '>= 0.9', message: 'acc >= 0.9: got 0.4, expected >= 0.9' }),
      claim('later', 'skip', { reason: 'not today' }),
      claim('known', 'xfail', { measured: { type: 'number', value: 0.1 }, expected: '> 0.5', reason: 'random model' }),
      claim('<odd & "xml">', 'error', { message: 'metric pp failed' }),
    ],
    timings: { totalMs: 1234, steps: {} },
  };
}


/**
 * A spec with what the HTML report draws: a 3 × 4 path-patching table whose claims name heads 1.2 and 2.1, a
 * two-stage circuit, and role attention on a four-token prompt (head 2.1 attends END → S from the example).
 */
export function pictureSpec(): SpecResult {
  const s = sampleSpec();
  const pp = [[0.02, 0, -0.05, 0.01], [0.1, 0.3, -0.9, 0], [0.05, 0.6, 0, -0.2]];
  s.metrics = {
    acc: s.metrics.acc,
    pp: { name: 'pp', request: { kind: 'path_patch', task: 't', receivers: 'logits' }, value: { type: 'heads', nLayers: 3, nHeads: 4, values: pp }, ms: 1 },
  };
  s.circuits = { c: { task: 't', heads: [
    { layer: 1, head: 2, role: 'mover', stage: 'movers', score: -0.9 },
    { layer: 0, head: 2, role: 'writer', stage: 'writers', score: -0.3 },
  ] } };
  s.circuitStages = { c: [
    { name: 'movers', role: 'mover', into: 'logits', receiverStages: [], receiverHeads: [] },
    { name: 'writers', role: 'writer', into: 'v at S', receiverStages: ['movers'], receiverHeads: [] },
  ] };
  const mean = pp.map((row, l) => row.map((_, h) => [[1, 0, 0], [0.5, 0.5, 0], l === 2 && h === 1 ? [0.1, 0.8, 0.1] : [0.4, 0.3, 0.3]]));
  s.attention = { t: {
    roles: ['A', 'S', 'END'], prompts: 2, mean,
    example: { id: 't#0', tokens: ['When', ' Mary', ' and', ' John'], roles: { A: 1, S: 2, END: 3 }, rows: {
      A: pp.map((row) => row.map(() => [0.5, 0.5])),
      S: pp.map((row) => row.map(() => [0.2, 0.3, 0.5])),
      END: pp.map((row, l) => row.map((_, h) => (l === 2 && h === 1 ? [0, 0.05, 0.9, 0.05] : [0.25, 0.25, 0.25, 0.25]))),
    } },
  } };
  s.description = 'A spec <for> pictures & tests.';
  s.claims = [
    { name: 'mover', assert: 'score(pp, 1.2) < -0.5', verdict: 'pass', tags: ['paper'], at: { file: 'specs/x.spec.yaml', line: 4, column: 3 }, ms: 1,
      description: 'Head 1.2 <moves> names.', reads: ['pp'], heads: ['1.2'], measured: { type: 'number', value: -0.9 }, expected: '< -0.5', headline: 0,
      checks: [{ text: 'score(pp, 1.2) < -0.5', measured: { type: 'number', value: -0.9 }, quantity: { kind: 'path_patch', unit: '(patched − clean) / clean logit diff' }, op: '<', expected: { type: 'number', value: -0.5 }, pass: true }] },
    { name: 'top', assert: 'top(pp, 1, positive) == {2.1}', verdict: 'fail', tags: [], at: { file: 'specs/x.spec.yaml', line: 5, column: 3 }, ms: 1,
      reads: ['pp'], heads: ['2.1'], measured: { type: 'heads', heads: ['2.1'] }, expected: '== {2.1}', message: 'oops', headline: 0,
      checks: [{ text: 'top(pp, 1, positive) == {2.1}', measured: { type: 'heads', heads: ['2.1'] }, op: '==', expected: { type: 'heads', heads: ['2.1'] }, pass: false }] },
  ];
  return s;
}
