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

