/**
 * Users' own tasks, one JSON object a line:
 *   {"prompt": "When Mary and John went to the store, John gave a drink to", "answer": " Mary",
 *    "distractors": [" John"],                       // or "distractor": " John"
 *    "corrupted": "When Mary and John went to the store, Mary gave a drink to",   // or {"prompt", "answer"}
 *    "roles": {"IO": "Mary", "S1": "John", "S2": {"word": "John", "occurrence": 2}, "X": 3}, "id": "optional"}
 * A role is a word (its first token; `occurrence` counts from 1) or a token index (negative counts from the end,
 * without BOS). END, each prompt's last token, is always added. Blank lines and lines starting with // are skipped.
 * A line may instead give token ids ({"tokens": [...], "answer": id, ...}: jsonl-ids.ts); one file may mix both
 * kinds, each line being one or the other.
 */
import { resolve } from 'node:path';
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { forEachJsonLine } from './json-lines.js';
import { parseIdLine } from './jsonl-ids.js';
import { encodeWithOffsets, findWord, singleTokenId, tokenAtChar, withBos } from './tokens.js';
import type { Prompt, PromptSet } from './types.js';

type RoleSpec = number | string | { word: string; occurrence?: number };

interface Line {
  id?: unknown;
  prompt?: unknown;
  tokens?: unknown;
  answer?: unknown;
  distractor?: unknown;
  distractors?: unknown;
  corrupted?: unknown;
  roles?: unknown;
  meta?: unknown;
}

export function loadJsonlTask(name: string, file: string, tokenizer: Tokenizer, opts: { baseDir?: string; prependBos?: boolean } = {}): PromptSet {
  const path = resolve(opts.baseDir ?? process.cwd(), file);
  const prompts: Prompt[] = [];
  const roleNames = new Set<string>();
  forEachJsonLine(path, 'task file', (parsed, line, fail) => {
    const rec = parsed as Line;
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return fail('each line must be a JSON object');
    const str = (v: unknown, field: string): string => (typeof v === 'string' && v.length > 0 ? v : fail(`"${field}" must be a non-empty string`, field));
    const id = rec.id === undefined ? `${name}#${prompts.length}` : String(rec.id);
    const meta = { file: path, line, ...(typeof rec.meta === 'object' && rec.meta !== null ? (rec.meta as Record<string, string | number>) : {}) };
    if (rec.tokens !== undefined) {
      if (rec.prompt !== undefined) fail('give "prompt" (text) or "tokens" (token ids), not both', 'tokens');
      const p = parseIdLine(rec, tokenizer, fail);
      let { tokens, roles } = p;
      if (opts.prependBos) {
        if (tokens[0] === tokenizer.bosTokenId) fail(`the ids already start with BOS (${tokenizer.bosTokenId}) and the task prepends another (prependBos): drop one`, 'tokens');
        ({ tokens, roles } = withBos(tokenizer, tokens, roles));
        if (p.corrupted) Object.assign(p.corrupted, withBos(tokenizer, p.corrupted.tokens, p.corrupted.roles));
      }
      for (const r of Object.keys(roles)) roleNames.add(r);
      const show = (ids: number[]) => tokenizer.decode(ids);
      prompts.push({
        id, text: show(tokens), tokens, answer: show([p.answerId]), answerId: p.answerId, distractors: p.distractorIds.map((d) => show([d])),
        distractorIds: p.distractorIds, roles, givenIds: true, meta,
        ...(p.corrupted && { corrupted: { ...p.corrupted, text: show(p.corrupted.tokens), answer: show([p.corrupted.answerId]) } }),
      });
      return;
    }
    const text = str(rec.prompt, 'prompt');
    const answer = str(rec.answer, 'answer');
    const distractors = rec.distractors !== undefined
      ? (Array.isArray(rec.distractors) ? rec.distractors.map((d, i) => str(d, `distractors[${i}]`)) : fail('"distractors" must be a list of strings', 'distractors'))
      : rec.distractor !== undefined ? [str(rec.distractor, 'distractor')] : [];
    const single = (w: string, field: string): number => {
      try {
        return singleTokenId(tokenizer, w, `prompt ${id} ${field}`);
      } catch (e) {
        return fail((e as Error).message, field);
      }
    };
    const enc = encodeWithOffsets(tokenizer, text);
    let roles: Record<string, number> = {};
    const specs = rec.roles ?? {};
    if (typeof specs !== 'object' || Array.isArray(specs)) fail('"roles" must be an object of role → word or token index', 'roles');
    for (const [role, spec] of Object.entries(specs as Record<string, RoleSpec>)) {
      roles[role] = rolePosition(spec, text, enc, (m) => fail(`role ${role}: ${m}`, `roles.${role}`));
      roleNames.add(role);
    }
    roles.END = enc.tokens.length - 1;
    roleNames.add('END');
    let corrupted: Prompt['corrupted'];
    if (rec.corrupted !== undefined) {
      const c = typeof rec.corrupted === 'string' ? { prompt: rec.corrupted, answer } : (rec.corrupted as { prompt?: unknown; answer?: unknown });
      const ctext = str(c.prompt, 'corrupted.prompt');
      const canswer = c.answer === undefined ? answer : str(c.answer, 'corrupted.answer');
      const ctokens = tokenizer.encode(ctext);
      if (ctokens.length !== enc.tokens.length) {
        fail(`the corrupted prompt has ${ctokens.length} tokens but the prompt has ${enc.tokens.length}: clean/corrupted pairs must have equal length`, 'corrupted');
      }
      corrupted = { text: ctext, tokens: ctokens, answer: canswer, answerId: single(canswer, 'corrupted.answer'), roles: { ...roles } };
    }
    let tokens = enc.tokens;
    if (opts.prependBos) {
      ({ tokens, roles } = withBos(tokenizer, tokens, roles));
      if (corrupted) Object.assign(corrupted, withBos(tokenizer, corrupted.tokens, corrupted.roles));
    }
    prompts.push({
      id, text, tokens, answer, answerId: single(answer, 'answer'), distractors,
      distractorIds: distractors.map((d, i) => single(d, `distractors[${i}]`)), roles, corrupted,
      meta,
    });
  });
  if (prompts.length === 0) throw new CircuitspecError('the task file has no prompts', { file: path });
  return {
    name, kind: 'file', prompts, roleNames: [...roleNames],
    provenance: { file: path, n: prompts.length, prependBos: opts.prependBos ?? false, bosTokenId: tokenizer.bosTokenId },
  };
}

function rolePosition(spec: RoleSpec, text: string, enc: { tokens: number[]; starts: number[] }, fail: (m: string) => never): number {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec)) fail(`token index ${spec} is not an integer`);
    const pos = spec < 0 ? enc.tokens.length + spec : spec;
    if (pos < 0 || pos >= enc.tokens.length) fail(`token index ${spec} is outside the prompt's ${enc.tokens.length} tokens`);
    return pos;
  }
  const { word, occurrence = 1 } = typeof spec === 'string' ? { word: spec } : (spec ?? ({} as { word?: string; occurrence?: number }));
  if (typeof word !== 'string' || word.trim() === '') fail('give a word (string or {"word", "occurrence"}) or a token index');
  if (!Number.isInteger(occurrence) || occurrence < 1) fail(`occurrence must be a positive integer, got ${occurrence}`);
  const w = word!.trim();
  const at = findWord(text, w, occurrence - 1);
  if (at < 0) fail(`the word ${JSON.stringify(w)} does not occur ${occurrence === 1 ? '' : `${occurrence} times `}in the prompt`);
  return tokenAtChar(enc, at, `word ${JSON.stringify(w)}`);
}
