import { describe, expect, it } from 'vitest';
import { compareNumbers, compareSets } from '../../../src/runtime/executor/evaluate.js';
import { jaccard, rankHeads, ranks, spearman, topHeads } from '../../../src/runtime/executor/stats.js';

describe('claim arithmetic', () => {
  it('tolerances: absolute, relative, and loosening inequalities', () => {
    expect(compareNumbers('==', 0.51, 0.496, { abs: 0.02 })).toBe(true);
    expect(compareNumbers('==', 0.52, 0.496, { abs: 0.02 })).toBe(false);
    expect(compareNumbers('==', 0.98, 0.937, { rel: 0.05 })).toBe(true); // |Δ| 0.043 <= 0.04685
    expect(compareNumbers('==', 0.99, 0.937, { rel: 0.05 })).toBe(false);
    expect(compareNumbers('>', 1.95, 2, { abs: 0.1 })).toBe(true);
    expect(compareNumbers('<', 2.05, 2, { abs: 0.1 })).toBe(true);
    expect(compareNumbers('!=', 1, 1.05, { abs: 0.1 })).toBe(false);
    expect(compareNumbers('>=', NaN, 0)).toBe(false);
  });

  it('set relations', () => {
    const s = (...x: string[]) => new Set(x);
    expect(compareSets('<=', s('1.1'), s('1.1', '2.2'))).toBe(true);
    expect(compareSets('<', s('1.1', '2.2'), s('1.1', '2.2'))).toBe(false);
    expect(compareSets('>=', s('1.1', '2.2'), s('2.2'))).toBe(true);
    expect(compareSets('==', s('1.1', '2.2'), s('2.2', '1.1'))).toBe(true);
    expect(compareSets('in', s('3.3'), s('1.1'))).toBe(false);
    expect(jaccard(s('a', 'b', 'c'), s('b', 'c', 'd'))).toBe(0.5);
  });

  it('top-k and top-p% by sign, ties broken by layer then head', () => {
    const t = [[0.1, -0.5], [0.5, 0.2]];
    expect(topHeads(t, { k: 2 })).toEqual(['0.1', '1.0']);
    expect(topHeads(t, { k: 1, sign: 'negative' })).toEqual(['0.1']);
    expect(topHeads(t, { k: 2, sign: 'positive' })).toEqual(['1.0', '1.1']);
    expect(topHeads(t, { percent: 50 })).toEqual(['0.1', '1.0']);
    expect(rankHeads(t, 'abs').map((h) => h.score)).toEqual([-0.5, 0.5, 0.2, 0.1]);
  });

  it('spearman with tied ranks', () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(() => spearman([1], [1, 2])).toThrow(/same length/);
  });
});
