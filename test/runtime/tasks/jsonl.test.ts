import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../../src/errors.js';
import { gpt2Tokenizer } from '../../../src/runtime/tokenizer/index.js';
import { buildTask, checkTask } from '../../../src/runtime/tasks/index.js';
import { namedConfig } from '../../../src/runtime/model/config.js';

const tok = gpt2Tokenizer();
const dir = mkdtempSync(join(tmpdir(), 'circuitspec-jsonl-'));
const write = (name: string, lines: unknown[]): string => {
  writeFileSync(join(dir, name), lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return name;
};
const formatted = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as CircuitspecError).format();
  }
  throw new Error('did not throw');
};

describe('JSONL tasks', () => {
  it('reads prompts, answers, distractors, corrupted prompts and roles by word or token index', () => {
    const file = write('ok.jsonl', [
      { prompt: 'When Mary and John went to the store, John gave a drink to', answer: ' Mary', distractor: ' John',
        corrupted: 'When Mary and John went to the store, Mary gave a drink to',
        roles: { IO: 'Mary', S1: 'John', S2: { word: 'John', occurrence: 2 }, first: 0, last: -1 } },
      '',
      '// a comment',
      { prompt: 'The cat sat on the', answer: ' mat', distractors: [' hat', ' dog'], roles: { subject: 'cat' } },
    ]);
    const set = buildTask('mine', { file }, tok, { baseDir: dir });
    expect(set.prompts).toHaveLength(2);
    const [a, b] = set.prompts;
    expect(tok.decode([a.tokens[a.roles.IO]])).toBe(' Mary');
    expect(tok.decode([a.tokens[a.roles.S2]])).toBe(' John');
    expect(a.roles.S2).toBeGreaterThan(a.roles.S1);
    expect(a.roles.first).toBe(0);
    expect(a.roles.last).toBe(a.tokens.length - 1);
    expect(a.roles.END).toBe(a.tokens.length - 1);
    expect(a.corrupted!.roles).toEqual(a.roles);
    expect(a.corrupted!.answer).toBe(' Mary');
    expect(b.distractorIds).toEqual([tok.tokenId(' hat'), tok.tokenId(' dog')]);
    expect(b.meta!.line).toBe(4);
    expect(set.roleNames).toContain('subject');
    checkTask(set, namedConfig('gpt2'), tok);
  });

  it('names file:line in its errors and shows how a multi-token answer splits', () => {
    const bad = write('bad.jsonl', [{ prompt: 'a b c', answer: ' b' }, '{not json']);
    expect(formatted(() => buildTask('t', { file: bad }, tok, { baseDir: dir }))).toMatch(/bad\.jsonl:2: not valid JSON/);
    const split = write('split.jsonl', [{ prompt: 'Hello there', answer: ' Marianela' }]);
    expect(formatted(() => buildTask('t', { file: split }, tok, { baseDir: dir }))).toMatch(/split\.jsonl:1: answer: .*must be a single token, but it splits into \[" Mar/);
    const len = write('len.jsonl', [{ prompt: 'When Mary left', answer: ' x', corrupted: 'When Marianela left' }]);
    expect(formatted(() => buildTask('t', { file: len }, tok, { baseDir: dir }))).toMatch(/len\.jsonl:1: corrupted: .*equal length/);
    const role = write('role.jsonl', [{ prompt: 'When Mary left', answer: ' x', roles: { IO: 'John' } }]);
    expect(formatted(() => buildTask('t', { file: role }, tok, { baseDir: dir }))).toMatch(/role\.jsonl:1: roles\.IO: role IO: the word "John" does not occur/);
    const missing = write('missing.jsonl', [{ answer: ' x' }]);
    expect(formatted(() => buildTask('t', { file: missing }, tok, { baseDir: dir }))).toMatch(/missing\.jsonl:1: prompt: "prompt" must be a non-empty string/);
    expect(formatted(() => buildTask('t', { file: 'nope.jsonl' }, tok, { baseDir: dir }))).toMatch(/nope\.jsonl: cannot read task file/);
  });
});

describe('checkTask', () => {
  const base = (): ReturnType<typeof buildTask> => buildTask('t', { generator: 'ioi', n: 3, seed: 1, corruption: 's2_io_flip' }, tok);

  it('rejects unequal clean/corrupted lengths and moved roles, naming the prompt', () => {
    const s = base();
    s.prompts[1].corrupted!.tokens.push(11);
    expect(() => checkTask(s, namedConfig('gpt2'))).toThrow(/task 't', prompt t#1: the corrupted prompt has \d+ tokens but the clean one has/);
    const r = base();
    r.prompts[2].corrupted!.roles.IO += 1;
    expect(() => checkTask(r, namedConfig('gpt2'))).toThrow(/prompt t#2: role IO is at \d+ in the clean prompt but at \d+ in the corrupted one/);
  });

  it('rejects an unasked-for BOS, a prompt longer than nCtx, ids outside the vocabulary and multi-token answers', () => {
    const s = base();
    s.prompts[0].tokens.unshift(tok.bosTokenId);
    for (const k of Object.keys(s.prompts[0].roles)) s.prompts[0].roles[k] += 1;
    s.prompts[0].corrupted = undefined;
    expect(() => checkTask(s, namedConfig('gpt2'))).toThrow(/starts with the BOS token 50256 but the task did not ask for one/);
    expect(() => checkTask(base(), { ...namedConfig('gpt2'), nCtx: 8 })).toThrow(/more than the model's context of 8/);
    expect(() => checkTask(base(), { ...namedConfig('gpt2'), dVocab: 1000 })).toThrow(/outside the model's vocabulary of 1000/);
    const m = base();
    m.prompts[0].answer = ' Marianela';
    expect(() => checkTask(m, namedConfig('gpt2'), tok)).toThrow(/answer " Marianela" must be a single token, but it splits into \[" Mar/);
  });

  it('accepts prompts of different lengths (END per prompt)', () => {
    const s = buildTask('t', { generator: 'ioi', n: 30, seed: 1, templates: 'all' }, tok);
    expect(new Set(s.prompts.map((p) => p.tokens.length)).size).toBeGreaterThan(1);
    checkTask(s, namedConfig('gpt2'), tok);
  });
});
