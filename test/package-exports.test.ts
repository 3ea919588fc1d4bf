// The README promises that a script inside the checkout can `import { loadModel } from 'circuitspec'` once the
// package is built (npm test builds first): check the self-reference through package.json `exports`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('package exports', () => {
  it('imports loadModel from "circuitspec" and runs a forward pass', () => {
    const dir = mkdtempSync(join(root, '.scratch-exports-'));
    try {
      const script = join(dir, 'use.mjs');
      writeFileSync(script, `
        import { loadModel, runSpec, CircuitspecError } from 'circuitspec';
        const model = await loadModel('random:tiny', { backend: 'wasm' });
        const { logits } = await model.runWithHooks(['When Mary and John went to the store'], { logitsAt: 'last' });
        console.log(JSON.stringify({ shape: logits.shape, nLayers: model.config.nLayers, run: typeof runSpec, err: typeof CircuitspecError }));
      `);
      const out = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
      const got = JSON.parse(out.trim().split('\n').pop()!);
      expect(got).toEqual({ shape: [1, 50257], nLayers: 2, run: 'function', err: 'function' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
