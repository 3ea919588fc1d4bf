import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from '../../../src/runtime/tokenizer/index.js';
import { buildTask, checkTask, CO_COLOURS, CO_OBJECTS, CO_PAPER_FACTS, parsePrompt } from '../../../src/runtime/tasks/index.js';
import { namedConfig } from '../../../src/runtime/model/config.js';

const tok = gpt2Tokenizer();
const word = (ids: number[], i: number): string => tok.decode([ids[i]]).trim();

describe('Colored Objects generator', () => {
  const set = buildTask('co', { generator: 'colored-objects', n: 40, seed: 3, corruption: 'question_object' }, tok);

  it('writes the paper format, the examples sharing no colour and no object', () => {
    expect(set.prompts[0].text).toMatch(/^Q: On the (table|desk|floor), (there is|you see|I see) an? \w+ \w+, an? \w+ \w+, and an? \w+ \w+\. What color is the \w+\?\nA: [A-Z]\w+\nQ: On the (table|desk|floor), (there is|you see|I see) an? \w+ \w+, an? \w+ \w+, and an? \w+ \w+\. What color is the \w+\?\nA:$/);
    for (const p of set.prompts) {
      const [ex, q] = parsePrompt(p.text, p.id).examples;
      expect(ex.colours.filter((c) => q.colours.includes(c))).toEqual([]);
      expect(ex.objects.filter((o) => q.objects.includes(o))).toEqual([]);
      for (const c of [...ex.colours, ...q.colours]) expect(CO_COLOURS).toContain(c);
      for (const o of [...ex.objects, ...q.objects]) expect(CO_OBJECTS).toContain(o);
      expect(p.text).not.toMatch(/\ba [aeiou]|\ban [^aeiou]/);
      const answer = q.colours[q.asked];
      expect(p.answer).toBe(` ${answer[0].toUpperCase()}${answer.slice(1)}`);
      expect(p.distractors).toHaveLength(2);
      expect(p.distractors).not.toContain(p.answer);
    }
    expect(CO_COLOURS).toHaveLength(8);
    expect(CO_OBJECTS).toHaveLength(17);
    expect(set.candidates!.words).toHaveLength(8);
  });

  it('puts the roles on the query colours, objects and question object', () => {
    for (const p of set.prompts) {
      const q = parsePrompt(p.text, p.id).examples[1];
      for (let i = 0; i < 3; i++) {
        expect(word(p.tokens, p.roles[`colour${i + 1}`])).toBe(q.colours[i]);
        expect(word(p.tokens, p.roles[`object${i + 1}`])).toBe(q.objects[i]);
      }
      expect(word(p.tokens, p.roles.question_object)).toBe(q.objects[q.asked]);
      expect(word(p.tokens, p.roles.correct_colour)).toBe(q.colours[q.asked]);
      expect(word(p.tokens, p.roles.correct_object)).toBe(q.objects[q.asked]);
      const others = [p.roles.wrong_object1, p.roles.wrong_object2].map((r) => word(p.tokens, r)).sort();
      expect(others).toEqual(q.objects.filter((_, k) => k !== q.asked).sort());
      expect(p.roles.END).toBe(p.tokens.length - 1);
    }
    checkTask(set, namedConfig('gpt2'), tok);
  });

  it('question_object asks about another object of the query, answered by its colour', () => {
    for (const p of set.prompts) {
      const c = p.corrupted!;
      const cq = parsePrompt(c.text, p.id).examples[1];
      expect(c.tokens).toHaveLength(p.tokens.length);
      const diff = p.tokens.flatMap((t, i) => (t !== c.tokens[i] ? [i] : []));
      expect(diff).toEqual([p.roles.question_object]);
      expect(c.answer.trim().toLowerCase()).toBe(cq.colours[cq.asked]);
      expect(c.answer).toBe(p.distractors[0]);
    }
  });

  it('is deterministic by seed', () => {
    expect(buildTask('co', { generator: 'colored-objects', n: 40, seed: 3, corruption: 'question_object' }, tok)).toEqual(set);
    expect(buildTask('co', { generator: 'colored-objects', n: 5, seed: 4 }, tok).prompts[0].text).not.toBe(set.prompts[0].text);
  });
});

describe("the paper's released Colored Objects prompts", () => {
  it('load all 1000 with their mindiff partners, and the documented token facts hold', () => {
    const set = buildTask('paper', { dataset: 'colored-objects-paper' }, tok);
    expect(set.prompts).toHaveLength(1000);
    expect(CO_PAPER_FACTS.roles).toEqual({ colour1: 41, colour2: 45, colour3: 50, object1: 42, object2: 46, object3: 51, question_object: 57, END: 61 });
    for (const p of set.prompts) {
      expect(p.tokens).toHaveLength(62);
      for (const [role, pos] of Object.entries(CO_PAPER_FACTS.roles)) expect(p.roles[role]).toBe(pos);
    }
    expect(set.prompts[0].answer).toBe(' Blue');
    expect(set.prompts[0].corrupted!.answer).toBe(' Black');
    checkTask(set, namedConfig('gpt2-medium'), tok);
  });

  it('takes n and offset, and shifts the facts by one with BOS', () => {
    const set = buildTask('paper', { dataset: 'colored-objects-paper', n: 3, offset: 997 }, tok, { prependBos: true });
    expect(set.prompts.map((p) => p.meta!.index)).toEqual([997, 998, 999]);
    expect(set.prompts[0].roles.question_object).toBe(58);
    expect(() => buildTask('paper', { dataset: 'colored-objects-paper', n: 5, offset: 998 }, tok)).toThrow(/within the paper's 1000 prompts/);
  });
});
