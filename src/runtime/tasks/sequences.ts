/**
 * Token sequences for head scores, one a line: a JSON list of ids (`[50256, 464, 464]`) or an object with
 * "tokens" (so a token-id task file serves as it is; its other fields are ignored). Used exactly as written.
 * Blank lines and lines starting with // are skipped. Every error names the file and line.
 */
import { CircuitspecError } from '../../errors.js';
import { forEachJsonLine } from './json-lines.js';

export interface GivenSequence { tokens: number[]; line: number }

export function loadSequenceFile(path: string, model: { dVocab: number; nCtx: number }): GivenSequence[] {
  const out: GivenSequence[] = [];
  forEachJsonLine(path, 'sequences file', (rec, line, fail) => {
    const isObject = typeof rec === 'object' && rec !== null && !Array.isArray(rec);
    if (isObject && (rec as { tokens?: unknown }).tokens === undefined && (rec as { prompt?: unknown }).prompt !== undefined) {
      fail('a sequences file gives token ids ("tokens"); for text prompts declare a task and use sequences: <task>', 'prompt');
    }
    const tokens = isObject ? (rec as { tokens?: unknown }).tokens : rec;
    const field = isObject ? 'tokens' : undefined;
    if (!Array.isArray(tokens) || tokens.length === 0) return fail('each line must be a non-empty list of token ids or {"tokens": [...]}', field);
    if (tokens.length > model.nCtx) fail(`the sequence has ${tokens.length} tokens, more than the model's context of ${model.nCtx}`, field);
    tokens.forEach((id, i) => {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= model.dVocab) {
        fail(`token ${i} has id ${JSON.stringify(id)}, outside the model's vocabulary 0..${model.dVocab - 1}`, `${field ?? ''}[${i}]`);
      }
    });
    out.push({ tokens: tokens as number[], line });
  });
  if (out.length === 0) throw new CircuitspecError('the sequences file has no sequences', { file: path });
  return out;
}
