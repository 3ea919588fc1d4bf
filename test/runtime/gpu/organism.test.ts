// An organism spec on the webgpu backend (SwiftShader) against the same spec on wasm: every measured value
// within 1e-4 and the same verdicts. The spec is the plateau organism's, cut to 4 prompts (software GPU).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runSpec } from '../../../src/cli/runner.js';
import type { SpecResult } from '../../../src/plan/results.js';
import { gpuTitle, softwareGpu } from '../../helpers/software-gpu.js';

const SPEC = fileURLToPath(new URL('./specs/ioi-s-plateau-tiny.spec.yaml', import.meta.url));
const reason = softwareGpu();

/** Every number in a result's metric values and claim checks, by path. */
function numbers(r: SpecResult): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (path: string, v: unknown): void => {
    if (typeof v === 'number') out.set(path, v);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(`${path}[${i}]`, x));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(`${path}.${k}`, x);
  };
  for (const [name, m] of Object.entries(r.metrics)) walk(`metrics.${name}`, m.value);
  r.claims.forEach((c) => walk(`claims.${c.name}`, c.checks.map((k) => k.measured)));
  return out;
}

describe.skipIf(reason)(gpuTitle('organism spec on webgpu (SwiftShader)', reason), () => {
  it('gives wasm\'s values within 1e-4 and the same verdicts', async () => {
    const wasm = await runSpec(SPEC, { backend: 'wasm' });
    const gpu = await runSpec(SPEC, { backend: 'webgpu' });
    expect(gpu.error).toBeUndefined();
    expect(gpu.provenance.model.backend).toBe('webgpu');
    expect(gpu.provenance.model.adapter).toMatch(/SwiftShader/);
    expect(gpu.claims.map((c) => [c.name, c.verdict])).toEqual(wasm.claims.map((c) => [c.name, c.verdict]));
    expect(wasm.claims.every((c) => c.verdict === 'pass')).toBe(true);
    const [a, b] = [numbers(wasm), numbers(gpu)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect(a.size).toBeGreaterThan(3);
    for (const [k, v] of a) expect(Math.abs(b.get(k)! - v), k).toBeLessThan(1e-4);
  });
});
