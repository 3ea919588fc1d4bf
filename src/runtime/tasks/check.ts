/** Checks a prompt set against a model before any compute; every error names the task and the prompt. */
import { CircuitspecError } from '../../errors.js';
import type { ModelConfig } from '../model/config.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { showSplit } from './tokens.js';
import type { Prompt, PromptSet } from './types.js';

export function checkTask(set: PromptSet, config: ModelConfig, tokenizer?: Tokenizer): void {
  const fail = (p: Prompt | undefined, msg: string): never => {
    // A prompt from a file is located at its line there.
    const file = typeof p?.meta?.file === 'string' ? p.meta.file : undefined;
    const line = file && typeof p?.meta?.line === 'number' ? p.meta.line : undefined;
    throw new CircuitspecError(`task '${set.name}'${p ? `, prompt ${p.id}${p.meta?.line !== undefined ? ` (line ${p.meta.line})` : ''}` : ''}: ${msg}`, { ...(file && { file, line }), field: `tasks.${set.name}` });
  };
  if (set.prompts.length === 0) fail(undefined, 'has no prompts');
  const wantBos = set.provenance.prependBos === true;
  const bos = typeof set.provenance.bosTokenId === 'number' ? set.provenance.bosTokenId : undefined;
  const ids = new Set<string>();
  for (const p of set.prompts) {
    if (ids.has(p.id)) fail(p, 'duplicate prompt id');
    ids.add(p.id);
    checkTokens(p, p.tokens, 'prompt', config, fail);
    // Ids given as such keep a leading BOS the user wrote.
    if (bos !== undefined && !wantBos && !p.givenIds && p.tokens[0] === bos) fail(p, `starts with the BOS token ${bos} but the task did not ask for one (prependBos)`);
    if (bos !== undefined && wantBos && p.tokens[0] !== bos) fail(p, `the task asked for BOS but the prompt starts with token ${p.tokens[0]}`);
    for (const [word, id, what] of [[p.answer, p.answerId, 'answer'] as const, ...p.distractors.map((d, i) => [d, p.distractorIds[i], `distractor ${i + 1}`] as const)]) {
      if (!Number.isInteger(id) || id < 0 || id >= config.dVocab) fail(p, `${what} ${JSON.stringify(word)} has token id ${id}, outside the model's vocabulary of ${config.dVocab}`);
      if (tokenizer && !p.givenIds) {
        const enc = tokenizer.encode(word);
        if (enc.length !== 1) fail(p, `${what} ${JSON.stringify(word)} must be a single token, but it splits into ${showSplit(tokenizer, word)}`);
        if (enc[0] !== id) fail(p, `${what} ${JSON.stringify(word)} is token ${enc[0]}, not ${id}`);
      }
    }
    if (p.distractors.length !== p.distractorIds.length) fail(p, 'distractors and distractorIds differ in length');
    if (p.distractorIds.includes(p.answerId)) fail(p, `the answer ${JSON.stringify(p.answer)} is also a distractor`);
    checkRoles(p, p.roles, p.tokens.length, 'prompt', fail);
    if (p.corrupted) {
      const c = p.corrupted;
      checkTokens(p, c.tokens, 'corrupted prompt', config, fail);
      if (c.tokens.length !== p.tokens.length) fail(p, `the corrupted prompt has ${c.tokens.length} tokens but the clean one has ${p.tokens.length}: pairs must have equal length`);
      checkRoles(p, c.roles, c.tokens.length, 'corrupted prompt', fail);
      for (const [role, pos] of Object.entries(p.roles)) {
        if (c.roles[role] !== pos) fail(p, `role ${role} is at ${pos} in the clean prompt but at ${c.roles[role]} in the corrupted one`);
      }
      if (!Number.isInteger(c.answerId) || c.answerId < 0 || c.answerId >= config.dVocab) fail(p, `corrupted answer id ${c.answerId} is outside the vocabulary`);
    }
  }
}

function checkTokens(p: Prompt, tokens: number[], what: string, config: ModelConfig, fail: (p: Prompt, m: string) => never): void {
  if (tokens.length === 0) fail(p, `the ${what} is empty`);
  if (tokens.length > config.nCtx) fail(p, `the ${what} has ${tokens.length} tokens, more than the model's context of ${config.nCtx}`);
  const bad = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= config.dVocab);
  if (bad >= 0) fail(p, `the ${what}'s token ${bad} has id ${tokens[bad]}, outside the model's vocabulary of ${config.dVocab}`);
}

function checkRoles(p: Prompt, roles: Record<string, number>, length: number, what: string, fail: (p: Prompt, m: string) => never): void {
  for (const [role, pos] of Object.entries(roles)) {
    if (!Number.isInteger(pos) || pos < 0 || pos >= length) fail(p, `role ${role} of the ${what} is at ${pos}, outside its ${length} tokens`);
  }
  if (roles.END !== length - 1) fail(p, `END of the ${what} must be its last token (${length - 1}), got ${roles.END}`);
}
