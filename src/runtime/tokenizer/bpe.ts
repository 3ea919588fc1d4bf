/**
 * GPT-2 byte-level BPE (OpenAI's encoder.py): split text with the GPT-2 pattern, write each piece's UTF-8 bytes as
 * table characters, then repeatedly merge the adjacent pair with the lowest merge rank (every occurrence of it,
 * left to right) until no ranked pair remains. Results are cached per piece.
 */
import { CircuitspecError } from '../../errors.js';
import { byteCharsToBytes, textToByteChars } from './bytes.js';

/**
 * GPT-2's pre-tokenisation pattern. `\s` is written as \p{White_Space} because that is what GPT-2's own regex
 * engines (Python `regex`, tiktoken's Rust regex, HF tokenizers' Oniguruma) mean by it; JavaScript's `\s` differs
 * on U+0085 (not space in JS) and U+FEFF (space in JS).
 */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

const SEP = '\u0000'; // never a table character, so "a\0b" is an unambiguous pair key
const CACHE_LIMIT = 100_000;

export class BytePairEncoder {
  readonly vocabSize: number;
  private readonly ranks = new Map<string, number>();
  private readonly idToToken: string[] = [];
  private readonly cache = new Map<string, number[]>();
  private readonly specialSplit: RegExp | undefined;

  constructor(
    private readonly vocab: Map<string, number>,
    merges: [string, string][],
    /** Special tokens (e.g. '<|endoftext|>') matched in text only when encode is asked to. */
    readonly specials: Map<string, number>,
    private readonly source: string,
  ) {
    merges.forEach(([a, b], i) => {
      const key = a + SEP + b;
      if (!this.ranks.has(key)) this.ranks.set(key, i);
    });
    for (const [tok, id] of vocab) this.idToToken[id] = tok;
    for (const [tok, id] of specials) this.idToToken[id] ??= tok;
    this.vocabSize = this.idToToken.length;
    if (specials.size > 0) {
      const alts = [...specials.keys()].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.specialSplit = new RegExp(`(${alts.join('|')})`, 'u');
    }
  }

  encode(text: string, allowSpecial = false): number[] {
    const ids: number[] = [];
    if (!allowSpecial || !this.specialSplit) {
      this.encodeOrdinary(text, ids);
      return ids;
    }
    // split() with a capturing group alternates ordinary text (even indices) and special tokens (odd).
    text.split(this.specialSplit).forEach((part, i) => {
      if (i % 2 === 1) ids.push(this.specials.get(part)!);
      else if (part) this.encodeOrdinary(part, ids);
    });
    return ids;
  }

  decode(ids: number[]): string {
    return new TextDecoder('utf-8').decode(new Uint8Array(this.bytesOf(ids)));
  }

  /** The token's own string (bytes decoded on their own: a partial UTF-8 character shows as U+FFFD). */
  tokenText(id: number): string {
    return this.decode([id]);
  }

  private bytesOf(ids: number[]): number[] {
    const bytes: number[] = [];
    for (const id of ids) {
      const tok = Number.isInteger(id) ? this.idToToken[id] : undefined;
      if (tok === undefined) throw new CircuitspecError(`token id ${id} is not in the vocabulary (${this.vocabSize} tokens) of ${this.source}`);
      if (!byteCharsToBytes(tok, bytes)) bytes.push(...new TextEncoder().encode(tok)); // added tokens stored as plain text
    }
    return bytes;
  }

  private encodeOrdinary(text: string, out: number[]): void {
    for (const m of text.matchAll(GPT2_SPLIT)) {
      const piece = m[0];
      let ids = this.cache.get(piece);
      if (!ids) {
        ids = this.bpe(textToByteChars(piece));
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        this.cache.set(piece, ids);
      }
      for (const id of ids) out.push(id);
    }
  }

  private bpe(word: string): number[] {
    let parts = Array.from(word);
    while (parts.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = this.ranks.get(parts[i] + SEP + parts[i + 1]);
        if (r !== undefined && r < best) {
          best = r;
          first = parts[i];
          second = parts[i + 1];
        }
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === first && parts[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(parts[i]);
      }
      parts = merged;
    }
    return parts.map((p) => {
      const id = this.vocab.get(p);
      if (id === undefined) throw new CircuitspecError(`BPE produced '${p}', which is not in the vocabulary of ${this.source} (vocab and merges do not match)`);
      return id;
    });
  }
}
