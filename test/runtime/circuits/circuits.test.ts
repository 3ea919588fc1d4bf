import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { compareCircuits, createContext, discoverCircuit, disposeContext } from '../../../src/runtime/experiments/index.js';
import type { Circuit } from '../../../src/runtime/experiments/types.js';
import { selectHeads } from '../../../src/runtime/circuits/index.js';
import { syntheticTask, TINY } from '../experiments/helpers.js';

const circuit = (heads: [number, number, string][]): Circuit => ({ task: 't', heads: heads.map(([layer, head, role]) => ({ layer, head, role, stage: role, score: 0 })) });
const arbCircuit = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom('mover', 'inhibition', 'induction')), { selector: ([l, h]) => `${l}.${h}`, maxLength: 16 }).map(circuit);
const key = (c: Circuit): string => c.heads.map((h) => `${h.layer}.${h.head}`).sort().join(',');

describe('compareCircuits', () => {
  it("reads the paper's overlap as shared over union (25/32)", () => {
    const shared = Array.from({ length: 25 }, (_, i) => [Math.floor(i / 16), i % 16, 'mover'] as [number, number, string]);
    const a = circuit([...shared, [5, 0, 'inhibition'], [5, 1, 'inhibition'], [5, 2, 'inhibition'], [5, 3, 'negative mover']]);
    const b = circuit([...shared, [6, 0, 'content gatherer'], [6, 1, 'content gatherer'], [6, 2, 'content gatherer']]);
    const r = compareCircuits(a, b);
    expect(r.intersection).toHaveLength(25);
    expect(r.union).toHaveLength(32);
    expect(r.jaccard).toBeCloseTo(25 / 32, 10);
    expect(r.sharedOfA).toBeCloseTo(25 / 29, 10);
    expect(r.sharedOfB).toBeCloseTo(25 / 28, 10);
    expect(r.byRole.inhibition).toEqual({ a: ['5.0', '5.1', '5.2'], b: [], shared: [] });
    expect(r.byRole.mover.shared).toHaveLength(25);
    expect(r.union.slice(0, 3)).toEqual(['0.0', '0.1', '0.2']);
  });

  it('jaccard is symmetric, in [0, 1], and 1 exactly when the circuits hold the same heads', () => {
    fc.assert(fc.property(arbCircuit, arbCircuit, (a, b) => {
      const ab = compareCircuits(a, b);
      const ba = compareCircuits(b, a);
      expect(ab.jaccard).toBe(ba.jaccard);
      expect(ab.sharedOfA).toBe(ba.sharedOfB);
      expect(ab.jaccard >= 0 && ab.jaccard <= 1).toBe(true);
      expect(ab.jaccard === 1).toBe(key(a) === key(b));
      expect(ab.intersection.length + ab.union.length).toBe(new Set(a.heads.map((h) => `${h.layer}.${h.head}`)).size + new Set(b.heads.map((h) => `${h.layer}.${h.head}`)).size);
      expect(compareCircuits(a, a).jaccard).toBe(1);
    }));
  });
});

describe('selectHeads', () => {
  const table = [[0.5, -2, 0.1], [-0.3, 3, -1]];
  it('keeps top-k by sign, above a threshold, or a top percentage of all heads', () => {
    expect(selectHeads(table, { topK: 2 }, 'abs').map((h) => `${h.layer}.${h.head}`)).toEqual(['1.1', '0.1']);
    expect(selectHeads(table, { topK: 2 }, 'negative').map((h) => `${h.layer}.${h.head}`)).toEqual(['0.1', '1.2']);
    expect(selectHeads(table, { threshold: 0.4 }, 'positive').map((h) => `${h.layer}.${h.head}`)).toEqual(['1.1', '0.0']);
    expect(selectHeads(table, { topPercent: 50 }, 'abs')).toHaveLength(3);
    expect(() => selectHeads(table, {}, 'abs', 'stages[0]')).toThrow(/stages\[0\]: keep needs topK, topPercent or threshold/);
  });
});

describe('discoverCircuit', () => {
  let model: HookedGPT2;
  beforeAll(async () => {
    model = await loadModel(TINY, { backend: 'wasm' });
  });
  afterAll(() => model.dispose());

  it('runs stages in order, later stages taking earlier heads as receivers', async () => {
    const ctx = createContext(model, [syntheticTask('syn', 4, 12)], { batchSize: 4 });
    const c = await discoverCircuit(ctx, 'syn', [
      { name: 'movers', role: 'mover', from: { kind: 'path_patch', task: 'syn', receivers: 'logits' }, keep: { topK: 2 }, sign: 'abs' },
      { name: 'inhibition', role: 'inhibition', from: { kind: 'path_patch', task: 'syn', receivers: { heads: [], input: 'q', positions: ['END'] } }, receiversFrom: ['movers'], keep: { topK: 2 }, sign: 'abs' },
    ]);
    disposeContext(ctx);
    expect(c.heads.filter((h) => h.role === 'mover')).toHaveLength(2);
    expect(c.heads.length).toBeGreaterThanOrEqual(2);
    expect(c.heads.length).toBeLessThanOrEqual(4);
    for (const h of c.heads) expect(Number.isFinite(h.score)).toBe(true);
    const names = c.heads.map((h) => `${h.layer}.${h.head}`);
    expect(new Set(names).size).toBe(names.length);
  });
});
