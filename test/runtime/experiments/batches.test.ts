// Where a corrupted prompt diverges from its clean one: path patching's corrupted run starts there (corrupted.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { divergence } from '../../../src/runtime/experiments/batches.js';

describe('divergence', () => {
  it('is the first differing position, at most the last token', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 }), fc.nat(), (clean, seed) => {
      const corrupted = clean.slice();
      const at = seed % (clean.length + 1);
      if (at < clean.length) corrupted[at] = clean[at] + 1;
      const [d] = divergence([clean], [corrupted]);
      expect(d).toBe(Math.min(at, clean.length - 1));
      expect(clean.slice(0, d)).toEqual(corrupted.slice(0, d));
    }));
  });
});
