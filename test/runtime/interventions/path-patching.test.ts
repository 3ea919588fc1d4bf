import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { computeMetric, createContext, disposeContext } from '../../../src/runtime/experiments/index.js';
import type { ExperimentContext } from '../../../src/runtime/experiments/types.js';
import { normalisedTable, pathPatchFast, pathPatchLiteral, type PathPatchOptions } from '../../../src/runtime/interventions/index.js';
import { syntheticTask, TINY } from '../experiments/helpers.js';

let model: HookedGPT2;
let ctx: ExperimentContext;

beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
  // Prompts of different lengths in one batch: END differs per prompt.
  ctx = createContext(model, [syntheticTask('syn', 5, [12, 9, 11], 1000, 3)], { batchSize: 3 });
});
afterAll(() => {
  disposeContext(ctx);
  model.dispose();
});

const cases: [string, PathPatchOptions][] = [
  ['logits, senders at END', { receivers: 'logits', senderPositions: ['END'] }],
  ['logits, senders everywhere, MLPs frozen', { receivers: 'logits', freezeMlps: true }],
  ['q of two layer-1 heads at END', { receivers: { heads: [{ layer: 1, head: 0 }, { layer: 1, head: 3 }], input: 'q', positions: ['END'] } }],
  ['k at B2 and END, MLPs frozen', { receivers: { heads: [{ layer: 1, head: 1 }], input: 'k', positions: ['B2', 'END'] }, freezeMlps: true }],
  ['v at B2, senders at B2 and A', { receivers: { heads: [{ layer: 1, head: 2 }, { layer: 0, head: 1 }], input: 'v', positions: ['B2'] }, senderPositions: ['B2', 'A'] }],
  ['z at B2 and END', { receivers: { heads: [{ layer: 1, head: 1 }, { layer: 1, head: 3 }], input: 'z', positions: ['B2', 'END'] } }],
  ['resid_post of layer 0 at B2', { receivers: { resid: 'resid_post', layer: 0, positions: ['B2'] } }],
  ['resid_mid of layer 1 at END, MLPs frozen', { receivers: { resid: 'resid_mid', layer: 1, positions: ['END'] }, freezeMlps: true }],
  ['sender rules: below the receivers, receivers excluded', { receivers: { heads: [{ layer: 1, head: 0 }], input: 'k', positions: ['B2'] }, sendersBelowReceivers: true, excludeReceivers: true }],
];

describe('path patching', () => {
  for (const [name, opts] of cases) {
    it(`fast equals the literal definition: ${name}`, async () => {
      const before = tf.memory().numTensors;
      const fast = await pathPatchFast(ctx, 'syn', opts);
      const literal = await pathPatchLiteral(ctx, 'syn', opts);
      expect(tf.memory().numTensors).toBe(before); // both free every tensor they make
      expect(fast.clean).toHaveLength(5);
      fast.clean.forEach((x, i) => expect(Math.abs(x - literal.clean[i])).toBeLessThan(1e-4));
      fast.corrupted.forEach((x, i) => expect(Math.abs(x - literal.corrupted[i])).toBeLessThan(1e-4));
      let moved = 0;
      for (let l = 0; l < 2; l++) {
        for (let h = 0; h < 4; h++) {
          expect(fast.patched[l][h]).toHaveLength(opts.sendersBelowReceivers && l >= 1 ? 0 : 5);
          fast.patched[l][h].forEach((x, i) => {
            expect(Math.abs(x - literal.patched[l][h][i])).toBeLessThan(1e-5);
            moved = Math.max(moved, Math.abs(x - fast.clean[i]));
          });
        }
      }
      expect(moved).toBeGreaterThan(2e-4); // not vacuous: some sender moves the output by far more than the tolerance
      const a = normalisedTable(fast);
      const b = normalisedTable(literal);
      if (a.type === 'heads' && b.type === 'heads') a.values.flat().forEach((x, i) => (Number.isNaN(x) ? expect(b.values.flat()[i]).toBeNaN() : expect(x).toBeCloseTo(b.values.flat()[i], 3)));
    });
  }

  it('senders in the receivers’ layer or later have no path and score exactly 0', async () => {
    const v = await computeMetric(ctx, { kind: 'path_patch', task: 'syn', receivers: { heads: [{ layer: 1, head: 0 }], input: 'q', positions: ['END'] } });
    expect(v.type === 'heads' && v.values[1]).toEqual([0, 0, 0, 0]);
  });

  // The corrupted run starts where each prompt's corruption diverges (corrupted.ts): at B2 above; here at the first
  // token (no shared prefix: a whole run) and at the last (only END recomputed).
  const variants: [string, (clean: number[], corrupted: number[]) => number[]][] = [
    ['diverging at the first token', (_, t) => [(t[0] + 1) % 999, ...t.slice(1)]],
    ['diverging at END only', (t) => [...t.slice(0, -1), (t[t.length - 1] + 1) % 999]],
  ];
  for (const [name, corrupt] of variants) {
    it(`the corrupted run equals the literal definition's with corrupted prompts ${name}`, async () => {
      const set = syntheticTask('var', 4, [12, 9], 1000, 5);
      for (const p of set.prompts) p.corrupted!.tokens = corrupt(p.tokens, p.corrupted!.tokens);
      const c2 = createContext(model, [set], { batchSize: 4 });
      try {
        for (const opts of [cases[0][1], cases[3][1]]) {
          const fast = await pathPatchFast(c2, 'var', opts);
          const literal = await pathPatchLiteral(c2, 'var', opts);
          fast.corrupted.forEach((x, i) => expect(Math.abs(x - literal.corrupted[i])).toBeLessThan(1e-4));
          fast.patched.flat(2).forEach((x, i) => expect(Math.abs(x - literal.patched.flat(2)[i])).toBeLessThan(1e-5));
        }
      } finally {
        disposeContext(c2);
      }
    });
  }

  it('rejects unknown roles and heads outside the model', async () => {
    await expect(pathPatchFast(ctx, 'syn', { receivers: { heads: [{ layer: 5, head: 0 }], input: 'q', positions: ['END'] } })).rejects.toThrow(/receiver head 5.0 is not in the model/);
    await expect(pathPatchFast(ctx, 'syn', { receivers: 'logits', senderPositions: ['S9'] })).rejects.toThrow(/unknown senderPositions role 'S9'/);
  });
});
