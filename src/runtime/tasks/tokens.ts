/** Token-level bookkeeping shared by the task builders: char offsets of tokens, single-token checks, BOS. */
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';

export interface Encoded {
  tokens: number[];
  /** starts[i] = char offset in the text where token i begins; starts[tokens.length] = text.length. */
  starts: number[];
}

/** Encode and locate every token in the text (never assumes one token per word). */
export function encodeWithOffsets(tokenizer: Tokenizer, text: string): Encoded {
  const tokens = tokenizer.encode(text);
  const pieces = tokens.map((t) => tokenizer.decode([t]));
  const starts: number[] = [0];
  if (pieces.join('') === text) {
    for (const p of pieces) starts.push(starts[starts.length - 1] + p.length);
  } else {
    // A multi-byte character split across tokens decodes piecewise to replacement chars: measure prefixes instead.
    for (let i = 1; i <= tokens.length; i++) starts.push(tokenizer.decode(tokens.slice(0, i)).length);
    starts[tokens.length] = text.length;
  }
  return { tokens, starts };
}

/** The token covering char offset `at` (the token whose span contains it). */
export function tokenAtChar(enc: Encoded, at: number, what: string): number {
  for (let i = 0; i < enc.tokens.length; i++) {
    if (enc.starts[i] <= at && at < enc.starts[i + 1]) return i;
  }
  throw new CircuitspecError(`${what}: char offset ${at} is outside the prompt`);
}

/** How a word splits, for error messages: [" Mar", "ie"]. */
export function showSplit(tokenizer: Tokenizer, word: string): string {
  return JSON.stringify(tokenizer.encode(word).map((t) => tokenizer.decode([t])));
}

/** The id of a word that must be one token; the error names where it came from and shows how it splits. */
export function singleTokenId(tokenizer: Tokenizer, word: string, where: string): number {
  const ids = tokenizer.encode(word);
  if (ids.length !== 1) {
    throw new CircuitspecError(`${where}: ${JSON.stringify(word)} must be a single token, but it splits into ${showSplit(tokenizer, word)}`);
  }
  return ids[0];
}

/** Prepend BOS to tokens and shift every role by one. */
export function withBos(tokenizer: Tokenizer, tokens: number[], roles: Record<string, number>): { tokens: number[]; roles: Record<string, number> } {
  const shifted: Record<string, number> = {};
  for (const [k, v] of Object.entries(roles)) shifted[k] = v + 1;
  return { tokens: [tokenizer.bosTokenId, ...tokens], roles: shifted };
}

/** Nth (0-based) occurrence of `word` as a whole word in `text`, or -1. */
export function findWord(text: string, word: string, nth = 0): number {
  const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
  let from = 0;
  let seen = 0;
  for (;;) {
    const at = text.indexOf(word, from);
    if (at < 0) return -1;
    const edgeL = !isWordChar(word[0]) || !isWordChar(text[at - 1]);
    const edgeR = !isWordChar(word[word.length - 1]) || !isWordChar(text[at + word.length]);
    if (edgeL && edgeR) {
      if (seen === nth) return at;
      seen++;
    }
    from = at + 1;
  }
}
