/**
 * Token sequences for head scores, one a line: a JSON list of ids (`[50256, 464, 464]`) or an object with
 * "tokens" (so a token-id task file serves as it is; its other fields are ignored). Used exactly as written.
 * Blank lines and lines starting with // are skipped. Every error names the file and line.
 */
import { readFileSync } from 'node:fs';
import { CircuitspecError } from '../../errors.js';

export interface GivenSequence { tokens: number[]; line: number }

export function loadSequenceFile(path: string, model: { dVocab: number; nCtx: number }): GivenSequence[] {
  let body: string;
  try {
    body = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CircuitspecError(`cannot read sequences file: ${(e as Error).message}`, { file: path });
  }
  const out: GivenSequence[] = [];
  body.split(/\r?\n/).forEach((raw, k) => {
    const line = k + 1;
    if (raw.trim() === '' || raw.trim().startsWith('//')) return;
    const fail = (msg: string, field?: string): never => {
      throw new CircuitspecError(msg, { file: path, line, ...(field && { field }) });
    };
    let rec: unknown;
    try {
      rec = JSON.parse(raw);
    } catch (e) {
      return fail(`not valid JSON: ${(e as Error).message}`);
    }
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
