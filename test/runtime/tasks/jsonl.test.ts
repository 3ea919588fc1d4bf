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

describe('JSONL lines of token ids', () => {
  const [M, ary, mary] = [tok.tokenId(' M'), tok.tokenId('ary'), tok.tokenId(' Mary')];
  const half = tok.encode(' 😀')[0]; // a partial UTF-8 character: decodes to U+FFFD, which encodes to other ids

  it('uses the ids as written (no text round trip), a leading BOS kept; text lines in the same file still work', () => {
    const ids = [tok.bosTokenId, 464, M, ary, 1110, mary, 290, M, ary];
    expect(tok.encode(tok.decode(ids.slice(1)))).not.toEqual(ids.slice(1)); // the round trip this avoids
    const file = write('ids.jsonl', [
      { tokens: ids, answer: half, distractors: [mary], corrupted: { tokens: [...ids.slice(0, 5), 1757, ...ids.slice(6)], answer: mary },
        roles: { first: 1, S2: { token: M, occurrence: 2 }, IO: { token: mary } } },
      { prompt: 'The cat sat on the', answer: ' mat', roles: { subject: 'cat' } },
    ]);
    const set = buildTask('t', { file }, tok, { baseDir: dir });
    const [p, q] = set.prompts;
    expect(p.tokens).toEqual(ids);
    expect([p.answerId, p.distractorIds, p.givenIds]).toEqual([half, [mary], true]);
    expect(p.roles).toEqual({ first: 1, S2: 7, IO: 5, END: 8 });
    expect(p.corrupted!.tokens[5]).toBe(1757);
    expect(p.corrupted!.answerId).toBe(mary);
    expect(p.text).toBe(tok.decode(ids));
    expect(q.tokens).toEqual(tok.encode('The cat sat on the'));
    expect(set.roleNames).toEqual(expect.arrayContaining(['first', 'S2', 'IO', 'END', 'subject']));
    checkTask(set, namedConfig('gpt2'), tok); // the answer's decoded text does not re-encode to it: not checked for id lines
    const bos = buildTask('t', { file: write('nobos.jsonl', [{ tokens: [464, M], answer: ary, roles: { x: 0 } }]) }, tok, { baseDir: dir, prependBos: true });
    expect(bos.prompts[0].tokens).toEqual([tok.bosTokenId, 464, M]);
    expect(bos.prompts[0].roles).toEqual({ x: 1, END: 2 });
  });

  it('names file:line and the field for bad ids, roles and mixed lines; the model vocabulary is checked per line', () => {
    const cases: [unknown, RegExp][] = [
      [{ tokens: [464, 60000], answer: 1 }, /:1: tokens\[1\]: token id 60000 is outside the tokenizer's vocabulary of 50257/],
      [{ tokens: [464, -1], answer: 1 }, /:1: tokens\[1\]: "tokens\[1\]" must be a token id \(a non-negative integer\), got -1/],
      [{ tokens: [], answer: 1 }, /:1: tokens: "tokens" must be a non-empty list of token ids/],
      [{ tokens: [464], answer: ' Mary' }, /:1: answer: "answer" must be a token id/],
      [{ tokens: [464], prompt: 'x', answer: 1 }, /:1: tokens: give "prompt" \(text\) or "tokens" \(token ids\), not both/],
      [{ tokens: [464, 5], answer: 1, roles: { IO: 'Mary' } }, /:1: roles\.IO: role IO: on a token-id line a role is a token index or \{"token": id, "occurrence": n\}/],
      [{ tokens: [464, 5], answer: 1, roles: { IO: { token: 7 } } }, /:1: roles\.IO: role IO: token id 7 does not occur in the prompt/],
      [{ tokens: [464, 5], answer: 1, corrupted: [464] }, /:1: corrupted: the corrupted prompt has 1 tokens but the prompt has 2/],
    ];
    for (const [line, re] of cases) {
      const file = write('bad-ids.jsonl', [{ prompt: 'ok', answer: ' x' }, line]);
      expect(formatted(() => buildTask('t', { file }, tok, { baseDir: dir }))).toMatch(new RegExp(`bad-ids\\.jsonl${re.source.replace(':1:', ':2:')}`));
    }
    const twice = write('twice.jsonl', [{ tokens: [tok.bosTokenId, 464], answer: 1 }]);
    expect(formatted(() => buildTask('t', { file: twice }, tok, { baseDir: dir, prependBos: true }))).toMatch(/twice\.jsonl:1: tokens: the ids already start with BOS \(50256\)/);
    const big = buildTask('t', { file: write('big.jsonl', [{ tokens: [1, 2], answer: 3 }, { tokens: [1, 5000], answer: 3 }]) }, tok, { baseDir: dir });
    expect(formatted(() => checkTask(big, { ...namedConfig('gpt2'), dVocab: 1000 }, tok))).toMatch(/big\.jsonl:2: .*prompt t#1 \(line 2\): the prompt's token 1 has id 5000, outside the model's vocabulary of 1000/);
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
