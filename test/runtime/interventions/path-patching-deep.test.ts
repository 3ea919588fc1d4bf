/**
 * Fast path patching against the literal definition where the tiny 2-layer fixture cannot reach: a 4-layer
 * organism with folded weights, IOI prompts of mixed lengths (padded batches), receivers spread over layers with
 * senders in between, several rerun chunks, z and residual receivers, the sender rules and both normalisations.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { createContext, disposeContext } from '../../../src/runtime/experiments/index.js';
import type { ExperimentContext } from '../../../src/runtime/experiments/types.js';
import { normalisedTable, pathPatchFast, pathPatchLiteral, type PathPatchOptions } from '../../../src/runtime/interventions/index.js';
import { buildTask } from '../../../src/runtime/tasks/index.js';

const IOI_S = join(fileURLToPath(new URL('../../../fixtures/organisms/ioi-s', import.meta.url)));
let model: HookedGPT2;
let ctx: ExperimentContext;

beforeAll(async () => {
  model = await loadModel(IOI_S, { backend: 'wasm', processing: 'transformerlens' });
  const ioi = buildTask('ioi', { generator: 'ioi', n: 8, seed: 3, templates: 'mixed', corruption: 's2_io_flip' }, model.tokenizer);
  expect(new Set(ioi.prompts.map((p) => p.tokens.length)).size).toBeGreaterThan(1); // mixed lengths: padded batches
  ctx = createContext(model, [ioi], { batchSize: 4 });
});
afterAll(() => {
  disposeContext(ctx);
  model.dispose();
});

const H = (s: string) => s.split(',').map((x) => ({ layer: Number(x.split('.')[0]), head: Number(x.split('.')[1]) }));
const cases: [string, PathPatchOptions][] = [
  ['q at END in layers 2 and 3, senders in between, one sender per chunk', { receivers: { heads: H('2.1,3.0,3.2'), input: 'q', positions: ['END'] }, rerunRows: 1 }],
  ['k at S2 in layers 1 and 3', { receivers: { heads: H('1.0,3.1'), input: 'k', positions: ['S2'] }, senderPositions: ['S2'] }],
  ['v at S2 and END, senders everywhere, MLPs frozen', { receivers: { heads: H('2.0,2.3'), input: 'v', positions: ['S2', 'END'] }, freezeMlps: true }],
  ['z at S2 and END in layers 1 and 2', { receivers: { heads: H('1.1,2.2'), input: 'z', positions: ['S2', 'END'] } }],
  ['z at END', { receivers: { heads: H('3.3'), input: 'z', positions: ['END'] } }],
  ['resid_pre of layer 2 at S2', { receivers: { resid: 'resid_pre', layer: 2, positions: ['S2'] } }],
  ['resid_mid of layer 1 at S2 and END', { receivers: { resid: 'resid_mid', layer: 1, positions: ['S2', 'END'] } }],
  ['resid_post of layer 1 at END', { receivers: { resid: 'resid_post', layer: 1, positions: ['END'] } }],
  ['resid_post of the last layer at END', { receivers: { resid: 'resid_post', layer: 3, positions: ['END'] } }],
  ['sender rules: below the receivers, receivers excluded', { receivers: { heads: H('2.0,3.1'), input: 'q', positions: ['END'] }, sendersBelowReceivers: true, excludeReceivers: true }],
  ['receivers excluded only', { receivers: { heads: H('1.2,3.1'), input: 'k', positions: ['END'] }, excludeReceivers: true }],
];

describe('path patching on a 4-layer organism', () => {
  for (const [name, opts] of cases) {
    it(`fast equals the literal definition: ${name}`, async () => {
      const before = tf.memory().numTensors;
      const fast = await pathPatchFast(ctx, 'ioi', opts);
      const literal = await pathPatchLiteral(ctx, 'ioi', opts);
      expect(tf.memory().numTensors).toBe(before);
      expect(fast.batchSizes).toEqual([4, 4]);
      fast.corrupted.forEach((x, i) => expect(Math.abs(x - literal.corrupted[i])).toBeLessThan(1e-4));
      let moved = 0;
      let scored = 0;
      for (let l = 0; l < 4; l++) {
        for (let h = 0; h < 4; h++) {
          expect(fast.patched[l][h].length).toBe(literal.patched[l][h].length);
          if (fast.patched[l][h].length) scored++;
          fast.patched[l][h].forEach((x, i) => {
            expect(Math.abs(x - literal.patched[l][h][i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(x)));
            moved = Math.max(moved, Math.abs(x - fast.clean[i]));
          });
        }
      }
      expect(scored).toBeGreaterThan(0);
      expect(moved).toBeGreaterThan(1e-2); // not vacuous
      for (const norm of ['relative_clean', 'gap_percent'] as const) {
        const a = normalisedTable(fast, norm);
        const b = normalisedTable(literal, norm);
        if (a.type === 'heads' && b.type === 'heads') {
          a.values.flat().forEach((x, i) => (Number.isNaN(x) ? expect(b.values.flat()[i]).toBeNaN() : expect(Math.abs(x - b.values.flat()[i])).toBeLessThan(1e-3)));
        }
      }
    });
  }

  it('sender rules leave exactly the paper’s senders: layers below the lowest receiver, no receiver', async () => {
    const r = await pathPatchFast(ctx, 'ioi', { receivers: { heads: H('2.0,3.1'), input: 'q', positions: ['END'] }, sendersBelowReceivers: true, excludeReceivers: true });
    const scored = r.patched.flatMap((row, l) => row.map((per, h) => (per.length ? `${l}.${h}` : ''))).filter(Boolean);
    expect(scored).toEqual(['0.0', '0.1', '0.2', '0.3', '1.0', '1.1', '1.2', '1.3']);
    const t = normalisedTable(r, 'gap_percent');
    expect(t.type === 'heads' && t.values[2][0]).toBeNaN();
    expect(t.type === 'heads' && t.normalization).toBe('gap_percent');
  });

  it('gap_percent is −100 × the per-batch mean of (patched − clean)/(corrupted − clean)', async () => {
    const r = await pathPatchFast(ctx, 'ioi', { receivers: 'logits', senderPositions: ['END'] });
    const t = normalisedTable(r, 'gap_percent');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const per = r.patched[1][2];
    const batch = (a: number, b: number) => (mean(per.slice(a, b)) - mean(r.clean.slice(a, b))) / (mean(r.corrupted.slice(a, b)) - mean(r.clean.slice(a, b)));
    expect(t.type === 'heads' && t.values[1][2]).toBeCloseTo(-100 * (batch(0, 4) + batch(4, 8)) / 2, 9);
    // The corrupted run flips the answer: its logit difference (clean answer pair) is negative on average.
    expect(mean(r.corrupted)).toBeLessThan(0);
  });
});
