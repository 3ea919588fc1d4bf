import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from '../../../src/runtime/tokenizer/index.js';
import { buildTask, checkTask, ioiNameSplit, ioiTemplates, toAbba, IOI_HELDOUT_NAMES } from '../../../src/runtime/tasks/index.js';
import { namedConfig } from '../../../src/runtime/model/config.js';

const tok = gpt2Tokenizer();
const word = (ids: number[], i: number): string => tok.decode([ids[i]]);

describe('IOI generator', () => {
  it('is deterministic by seed and differs across seeds', () => {
    const a = buildTask('t', { generator: 'ioi', n: 20, seed: 7, corruption: 's2_io_flip' }, tok);
    const b = buildTask('t', { generator: 'ioi', n: 20, seed: 7, corruption: 's2_io_flip' }, tok);
    const c = buildTask('t', { generator: 'ioi', n: 20, seed: 8, corruption: 's2_io_flip' }, tok);
    expect(b).toEqual(a);
    expect(c.prompts.map((p) => p.text)).not.toEqual(a.prompts.map((p) => p.text));
  });

  it('puts every role on the right token, with the answer IO and the distractor S', () => {
    const set = buildTask('t', { generator: 'ioi', n: 60, seed: 1, templates: 'all' }, tok);
    for (const p of set.prompts) {
      const { io, s } = p.meta as { io: string; s: string };
      expect(word(p.tokens, p.roles.IO)).toBe(` ${io}`);
      expect(word(p.tokens, p.roles.S1)).toBe(` ${s}`);
      expect(word(p.tokens, p.roles.S2)).toBe(` ${s}`);
      expect(p.roles['S1+1']).toBe(p.roles.S1 + 1);
      expect(p.roles.END).toBe(p.tokens.length - 1);
      expect(p.roles.S2).toBeGreaterThan(Math.max(p.roles.IO, p.roles.S1));
      expect(p.answer).toBe(` ${io}`);
      expect(p.distractors).toEqual([` ${s}`]);
      expect(p.answerId).toBe(tok.tokenId(` ${io}`));
      expect(p.text.endsWith(' to') || p.text.endsWith('to')).toBe(true);
      expect(tok.encode(p.text)).toEqual(p.tokens);
    }
    checkTask(set, namedConfig('gpt2'), tok);
  });

  it('orders the first clause B A in BABA and A B in ABBA', () => {
    for (const [family, first] of [['BABA', 'S1'], ['ABBA', 'IO']] as const) {
      const set = buildTask('t', { generator: 'ioi', n: 30, seed: 2, templates: family }, tok);
      for (const p of set.prompts) {
        const other = first === 'S1' ? 'IO' : 'S1';
        expect(p.roles[first]).toBeLessThan(p.roles[other]);
        expect(p.meta!.family).toBe(family);
      }
    }
    expect(toAbba('Then, [B] and [A] went to the [PLACE]. [B] gave a [OBJECT] to [A]')).toBe('Then, [A] and [B] went to the [PLACE]. [B] gave a [OBJECT] to [A]');
  });

  it("'mixed' is the first 7 BABA then the first 7 ABBA templates; templateIds pick from the family", () => {
    const mixed = ioiTemplates('mixed');
    expect(mixed.map((t) => `${t.family}${t.base}`)).toEqual([...[0, 1, 2, 3, 4, 5, 6].map((i) => `BABA${i}`), ...[0, 1, 2, 3, 4, 5, 6].map((i) => `ABBA${i}`)]);
    expect(ioiTemplates('all')).toHaveLength(30);
    const held = buildTask('t', { generator: 'ioi', n: 10, seed: 3, templates: 'BABA', templateIds: [14] }, tok);
    expect(new Set(held.prompts.map((p) => p.meta!.baseTemplate))).toEqual(new Set([14]));
    expect(() => buildTask('t', { generator: 'ioi', n: 1, seed: 3, templates: 'mixed', templateIds: [14] }, tok)).toThrow(/templateIds entry 14 is out of range 0..13/);
  });

  it('s2_io_flip replaces S2 by IO, keeping the length and the roles', () => {
    const set = buildTask('t', { generator: 'ioi', n: 30, seed: 4, corruption: 's2_io_flip' }, tok);
    for (const p of set.prompts) {
      const c = p.corrupted!;
      expect(c.tokens).toHaveLength(p.tokens.length);
      expect(c.roles).toEqual(p.roles);
      const diff = p.tokens.flatMap((t, i) => (t !== c.tokens[i] ? [i] : []));
      expect(diff).toEqual([p.roles.S2]);
      expect(c.tokens[p.roles.S2]).toBe(p.answerId);
      expect(c.answerId).toBe(p.distractorIds[0]);
    }
  });

  it('abc replaces IO, S1 and S2 by three other names', () => {
    const set = buildTask('t', { generator: 'ioi', n: 30, seed: 5, corruption: 'abc' }, tok);
    for (const p of set.prompts) {
      const c = p.corrupted!;
      expect(c.tokens).toHaveLength(p.tokens.length);
      const diff = p.tokens.flatMap((t, i) => (t !== c.tokens[i] ? [i] : []));
      expect(diff).toEqual([p.roles.IO, p.roles.S1, p.roles.S2].sort((a, b) => a - b));
      const names = [c.roles.IO, c.roles.S1, c.roles.S2].map((i) => c.tokens[i]);
      expect(new Set(names).size).toBe(3);
      for (const n of names) expect([p.answerId, p.distractorIds[0]]).not.toContain(n);
    }
  });

  it('splits the 99 names into fixed train and held-out sets', () => {
    const { train, heldout } = ioiNameSplit();
    expect(heldout).toHaveLength(IOI_HELDOUT_NAMES);
    expect(train).toHaveLength(99 - IOI_HELDOUT_NAMES);
    expect(train.filter((n) => heldout.includes(n))).toEqual([]);
    expect(ioiNameSplit()).toEqual({ train, heldout });
    const set = buildTask('t', { generator: 'ioi', n: 40, seed: 6, names: 'heldout', corruption: 'abc' }, tok);
    for (const p of set.prompts) {
      for (const pos of [p.roles.IO, p.roles.S1]) expect(heldout).toContain(word(p.tokens, pos).trim());
    }
    const tr = buildTask('t', { generator: 'ioi', n: 40, seed: 6, names: 'train' }, tok);
    for (const p of tr.prompts) expect(train).toContain(word(p.tokens, p.roles.IO).trim());
  });

  it('shifts roles by one with BOS', () => {
    const a = buildTask('t', { generator: 'ioi', n: 3, seed: 9, corruption: 's2_io_flip' }, tok);
    const b = buildTask('t', { generator: 'ioi', n: 3, seed: 9, corruption: 's2_io_flip' }, tok, { prependBos: true });
    b.prompts.forEach((p, i) => {
      expect(p.tokens).toEqual([tok.bosTokenId, ...a.prompts[i].tokens]);
      expect(p.roles.IO).toBe(a.prompts[i].roles.IO + 1);
      expect(p.corrupted!.roles.END).toBe(p.roles.END);
    });
    checkTask(b, namedConfig('gpt2'));
  });
});
