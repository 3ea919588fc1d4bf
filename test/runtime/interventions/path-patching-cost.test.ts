// The path-patching cost model (cost.ts, what `plan` estimates from) against the positions fast.ts computes, and
// the rerun groups of suffix.ts: a partition of the rows whose padding stays bounded.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadModel } from '../../../src/runtime/model/index.js';
import { createContext, disposeContext, positionsComputed } from '../../../src/runtime/experiments/context.js';
import { batchShapes } from '../../../src/runtime/experiments/batches.js';
import { buildTask } from '../../../src/runtime/tasks/index.js';
import { pathPatchFast, type PathPatchOptions } from '../../../src/runtime/interventions/path-patching/index.js';
import { pathPatchCost } from '../../../src/runtime/interventions/path-patching/cost.js';
import { suffixGroups } from '../../../src/runtime/interventions/path-patching/suffix.js';

describe('path-patching cost', () => {
  it('counts exactly the positions fast path patching computes, rows of mixed suffix lengths grouped', async () => {
    const model = await loadModel('fixtures/organisms/ioi-s', { backend: 'wasm' });
    const set = buildTask('ioi', { generator: 'ioi', n: 12, seed: 3, templates: 'mixed', corruption: 's2_io_flip' }, model.tokenizer);
    const ctx = createContext(model, [set], { batchSize: 12 });
    try {
      const cases: PathPatchOptions[] = [
        { receivers: { heads: [{ layer: 1, head: 0 }, { layer: 2, head: 1 }], input: 'k', positions: ['S2'] } },
        { receivers: { heads: [{ layer: 2, head: 0 }], input: 'q', positions: ['END'] }, sendersBelowReceivers: true },
        { receivers: { resid: 'resid_post', layer: 0, positions: ['S2', 'END'] } },
      ];
      const [shape] = batchShapes(set, 12);
      expect(suffixGroups(set.prompts.map((p) => p.roles.S2), set.prompts.map((p) => p.tokens.length)).length).toBeGreaterThan(1);
      for (const opts of cases) {
        const before = positionsComputed(ctx);
        await pathPatchFast(ctx, 'ioi', opts);
        expect(pathPatchCost(model.config, opts, shape).positions).toBeCloseTo(positionsComputed(ctx) - before, 6);
      }
    } finally {
      disposeContext(ctx);
      model.dispose();
    }
  });

  it('rerun groups partition the rows; a group pads at most 10% over its rows or is one row', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 30 })), { minLength: 1, maxLength: 40 }), (rows) => {
      const start = rows.map(([s]) => s);
      const len = rows.map(([s, n]) => s + n);
      const groups = suffixGroups(start, len);
      expect(groups.flat().sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
      for (const g of groups) {
        const suffix = g.map((b) => len[b] - start[b]);
        const real = suffix.reduce((a, b) => a + b, 0);
        if (g.length > 1) expect(g.length * Math.max(...suffix)).toBeLessThanOrEqual(1.1 * real + 1e-9);
      }
    }));
  });
});
