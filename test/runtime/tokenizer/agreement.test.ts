// Exact agreement with GPT-2's tokenizer; gpt-tokenizer's r50k_base (tiktoken-exact GPT-2) is the oracle.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { decode as oracleDecode, encode as oracleEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../../src/errors.js';
import { gpt2Tokenizer } from '../../../src/runtime/tokenizer/index.js';

const tok = gpt2Tokenizer();
/** Special tokens in the text stay plain text, as our encode does by default. */
const oracle = (s: string) => oracleEncode(s, { disallowedSpecial: new Set() });

const HARD = [
  '',
  'Hello world',
  ' Hello world',
  '  leading two spaces',
  "I'm sure you've seen it, they'll say we'd won, it's John's and isn't theirs're",
  "I'M SURE YOU'VE SEEN IT, THEY'LL SAY WE'D WON, IT'S JOHN'S AND ISN'T THEIR'RE",
  "'s 't 're 've 'm 'll 'd 'S 'T 'RE 'VE 'M 'LL 'D ''s",
  'trailing spaces   ',
  'a    b',
  'a\n\nb\n \n  c',
  '\n\n\n',
  'line one\r\nline two\r\n',
  'tab\tseparated\t\tvalues\t',
  ' \t \n mixed  \t\n',
  '12345 67890 3.14159 1,000,000 0x1F 2024-01-01',
  'Crème brûlée, naïve façade, Ångström, Ærøskøbing',
  '日本語のテキスト、中文文本，한국어 텍스트',
  'Emoji: 😀👍🏽👨‍👩‍👧‍👦 🇫🇷 ❤️',
  'e\u0301 combining a\u0300\u0301\u0302 marks',
  'Zero\u200bwidth\u00a0nbsp\u2009thin\u3000ideographic',
  '<|endoftext|>',
  'text<|endoftext|>more <|endoftext|>',
  '"quotes" (parens) [brackets] {braces} !?;:.,/\\|@#$%^&*~`',
  'αβγ ΔΕΖ кириллица עברית العربية हिन्दी',
  'A: Orange\nQ: On the table, there is',
  'Ġ Ċ ĠĠ',
];

describe('GPT-2 tokenizer agreement', () => {
  it('has GPT-2 sizes', () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.bosTokenId).toBe(50256);
  });

  it.each(HARD.map((s) => [JSON.stringify(s), s]))('encodes %s like GPT-2', (_, s) => {
    expect(tok.encode(s)).toEqual(oracle(s));
    expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('agrees on IOI prompts built from the IOI vocabulary', () => {
    const v = JSON.parse(readFileSync('data/ioi/ioi-vocabulary.json', 'utf8')) as {
      names: string[]; places: string[]; objects: string[]; baba_templates: string[]; abc_templates: string[];
    };
    const templates = [...v.baba_templates, ...v.abc_templates];
    v.names.forEach((name, i) => {
      const t = templates[i % templates.length];
      const text = t
        .replaceAll('[A]', name)
        .replaceAll('[B]', v.names[(i + 7) % v.names.length])
        .replaceAll('[C]', v.names[(i + 13) % v.names.length])
        .replaceAll('[PLACE]', v.places[i % v.places.length])
        .replaceAll('[OBJECT]', v.objects[i % v.objects.length]);
      expect(tok.encode(text)).toEqual(oracle(text));
    });
    for (const name of v.names) expect(tok.isSingleToken(' ' + name)).toBe(oracle(' ' + name).length === 1);
  });

  it('agrees on the Colored Objects prompts (62 tokens each)', () => {
    const data = JSON.parse(readFileSync('data/colored-objects/cobjs_data_42.json', 'utf8')) as [string, string][];
    for (const [prompt, label] of data.slice(0, 200)) {
      const ids = tok.encode(prompt);
      expect(ids).toEqual(oracle(prompt));
      expect(ids.length).toBe(62);
      expect(tok.tokenId(label)).toBe(oracle(label)[0]);
    }
  });

  it('matches GPT-2 and round-trips on random unicode strings', () => {
    // U+0085 and U+FEFF are excluded: GPT-2's regex engines treat them as (not) whitespace differently from
    // JavaScript's \s, which the oracle uses; see the test below.
    const piece = fc.oneof(
      fc.constantFrom(' ', '  ', '\n', '\t', "'", "'s", "'LL", 'a', 'Z', '7', '.', '\r\n', 'é', '\u0301', '中', '😀', '\u3000'),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
      fc.string({ unit: 'binary', maxLength: 3 }),
      fc.string({ unit: 'binary-ascii', maxLength: 3 }),
    );
    const text = fc.array(piece, { maxLength: 12 }).map((ps) => ps.join('').replace(/[\u0085\ufeff]/g, 'x'));
    fc.assert(
      fc.property(text, (s) => {
        const ids = tok.encode(s);
        expect(ids).toEqual(oracle(s));
        expect(tok.decode(ids)).toBe(s);
        expect(oracleDecode(ids)).toBe(s);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it('treats U+0085 as whitespace and U+FEFF as not, as GPT-2 (Python regex, tiktoken) does', () => {
    // GPT-2's regex engines read \s as Unicode White_Space. Expected pre-tokens, encoded one by one:
    const pieces = (...ps: string[]) => ps.flatMap((p) => tok.encode(p));
    expect(tok.encode('a \u0085b')).toEqual(pieces('a', ' ', '\u0085', 'b')); // JS \s would give 'a', ' \u0085', 'b'
    expect(tok.encode('a \ufeffb')).toEqual(pieces('a', ' \ufeff', 'b')); // JS \s would give 'a', ' ', '\ufeff', 'b'
    expect(tok.decode(tok.encode('a \u0085\ufeff b'))).toBe('a \u0085\ufeff b');
  });
});

describe('tokenizer helpers', () => {
  it('never adds BOS; special tokens are literal text unless allowed', () => {
    expect(tok.encode('Hello')[0]).not.toBe(tok.bosTokenId);
    expect(tok.encode('<|endoftext|>')).not.toContain(50256);
    expect(tok.encode('a<|endoftext|>b', { allowSpecial: true })).toEqual([64, 50256, 65]);
    expect(tok.encode('<|endoftext|> x', { allowSpecial: true })).toEqual([50256, ...oracle(' x')]);
    expect(tok.decode([50256])).toBe('<|endoftext|>');
  });

  it('splits into string tokens', () => {
    expect(tok.toStrTokens('Then, Mary and John')).toEqual(['Then', ',', ' Mary', ' and', ' John']);
    expect(tok.toStrTokens(tok.encode(' Mauve'))).toEqual([' Mau', 've']);
  });

  it('gives single-token ids and explains multi-token words', () => {
    expect(tok.tokenId(' Mary')).toBe(oracle(' Mary')[0]);
    expect(tok.isSingleToken(' Mary')).toBe(true);
    expect(tok.isSingleToken(' Mauve')).toBe(false);
    expect(() => tok.tokenId(' Mauve')).toThrow(CircuitspecError);
    expect(() => tok.tokenId(' Turquoise')).toThrow("' Turquoise' is 3 tokens: ' Tur' 'qu' 'oise'");
    expect(() => tok.tokenId('')).toThrow("'' is 0 tokens");
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([50257])).toThrow(CircuitspecError);
    expect(() => tok.decode([-1])).toThrow(/not in the vocabulary/);
  });
});
