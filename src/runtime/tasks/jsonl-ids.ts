/**
 * JSONL lines given as token ids, used exactly as written (no text round trip: a decode/encode may not give the
 * same ids back):
 *   {"tokens": [50256, 464, 1110, ...], "answer": 1757, "distractors": [1757], "corrupted": [50256, 464, ...]
 *    (or {"tokens": [...], "answer": id}), "roles": {"IO": 3, "S2": {"token": 1757, "occurrence": 2}}, "id": "..."}
 * Roles are token indices (negative counts from the end) or a token id's n-th occurrence. A leading BOS in the ids
 * is kept as given. Ids are checked against the tokenizer here and against the model's vocabulary by checkTask.
 * The prompt's text and answer strings are decoded from the ids for display only.
 */
import type { Tokenizer } from '../tokenizer/index.js';
import type { CorruptedPrompt } from './types.js';

export type Fail = (msg: string, field?: string) => never;

export interface IdLine {
  tokens: number[];
  answerId: number;
  distractorIds: number[];
  roles: Record<string, number>;
  corrupted?: Omit<CorruptedPrompt, 'text' | 'answer'>;
}

interface Rec { tokens?: unknown; answer?: unknown; distractor?: unknown; distractors?: unknown; corrupted?: unknown; roles?: unknown }

/** A list of token ids, each an integer in the tokenizer's vocabulary. */
export function tokenIds(v: unknown, field: string, tokenizer: Tokenizer, fail: Fail): number[] {
  if (!Array.isArray(v) || v.length === 0) return fail(`"${field}" must be a non-empty list of token ids`, field);
  v.forEach((id, i) => tokenId(id, `${field}[${i}]`, tokenizer, fail));
  return v as number[];
}

function tokenId(v: unknown, field: string, tokenizer: Tokenizer, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return fail(`"${field}" must be a token id (a non-negative integer), got ${JSON.stringify(v)}`, field);
  if (v >= tokenizer.vocabSize) return fail(`token id ${v} is outside the tokenizer's vocabulary of ${tokenizer.vocabSize}`, field);
  return v;
}

export function parseIdLine(rec: Rec, tokenizer: Tokenizer, fail: Fail): IdLine {
  const tokens = tokenIds(rec.tokens, 'tokens', tokenizer, fail);
  const answerId = tokenId(rec.answer, 'answer', tokenizer, fail);
  const distractorIds = rec.distractors !== undefined
    ? (Array.isArray(rec.distractors) ? rec.distractors.map((d, i) => tokenId(d, `distractors[${i}]`, tokenizer, fail)) : fail('"distractors" must be a list of token ids', 'distractors'))
    : rec.distractor !== undefined ? [tokenId(rec.distractor, 'distractor', tokenizer, fail)] : [];
  const roles: Record<string, number> = {};
  const specs = rec.roles ?? {};
  if (typeof specs !== 'object' || specs === null || Array.isArray(specs)) fail('"roles" must be an object of role → token index or {"token", "occurrence"}', 'roles');
  for (const [role, spec] of Object.entries(specs as Record<string, unknown>)) {
    roles[role] = idRole(spec, tokens, (m) => fail(`role ${role}: ${m}`, `roles.${role}`));
  }
  roles.END = tokens.length - 1;
  let corrupted: IdLine['corrupted'];
  if (rec.corrupted !== undefined) {
    const c = Array.isArray(rec.corrupted) ? { tokens: rec.corrupted } : (rec.corrupted as Rec | null);
    if (typeof c !== 'object' || c === null) return fail('"corrupted" must be a list of token ids or {"tokens", "answer"}', 'corrupted');
    const ctokens = tokenIds(c.tokens, 'corrupted.tokens', tokenizer, fail);
    if (ctokens.length !== tokens.length) fail(`the corrupted prompt has ${ctokens.length} tokens but the prompt has ${tokens.length}: clean/corrupted pairs must have equal length`, 'corrupted');
    corrupted = { tokens: ctokens, answerId: c.answer === undefined ? answerId : tokenId(c.answer, 'corrupted.answer', tokenizer, fail), roles: { ...roles } };
  }
  return { tokens, answerId, distractorIds, roles, corrupted };
}

function idRole(spec: unknown, tokens: number[], fail: (m: string) => never): number {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec)) fail(`token index ${spec} is not an integer`);
    const pos = spec < 0 ? tokens.length + spec : spec;
    if (pos < 0 || pos >= tokens.length) fail(`token index ${spec} is outside the prompt's ${tokens.length} tokens`);
    return pos;
  }
  const { token, occurrence = 1 } = (typeof spec === 'object' && spec !== null ? spec : {}) as { token?: unknown; occurrence?: unknown };
  if (typeof token !== 'number') return fail('on a token-id line a role is a token index or {"token": id, "occurrence": n} (words need a "prompt" line)');
  if (typeof occurrence !== 'number' || !Number.isInteger(occurrence) || occurrence < 1) return fail(`occurrence must be a positive integer, got ${JSON.stringify(occurrence)}`);
  let seen = 0;
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === token && ++seen === occurrence) return i;
  return fail(`token id ${token} does not occur ${occurrence === 1 ? '' : `${occurrence} times `}in the prompt`);
}
