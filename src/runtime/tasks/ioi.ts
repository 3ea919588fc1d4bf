/**
 * The IOI task (Wang et al. 2022): "When Mary and John went to the store, John gave a drink to" → " Mary".
 * Word lists and the 15 BABA templates come from data/ioi; ABBA templates are derived by swapping the first [B]
 * and the first [A] (the first clause only). The prompt ends before the final [A], which is the answer (IO); the
 * subject S is the distractor.
 */
import { CircuitspecError } from '../../errors.js';
import { deriveSeed, makeRng, type Rng } from '../util/rng.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { fillTemplate, slotStart } from './fill.js';
import { encodeWithOffsets, singleTokenId, tokenAtChar, withBos } from './tokens.js';
import type { IoiCorruption, IoiNames, IoiTemplates, Prompt, PromptSet } from './types.js';
import { ioiVocabulary } from './vocab.js';

export const IOI_ROLES = ['IO', 'S1', 'S2', 'S1+1', 'END'];

/**
 * The fixed name split: the 99 names shuffled with makeRng(IOI_NAME_SPLIT_SEED); the last IOI_HELDOUT_NAMES of that
 * order are held out, the rest are for training. Both lists keep the vocabulary's order. Never change these two
 * constants: trained organisms are evaluated on the held-out names.
 */
export const IOI_NAME_SPLIT_SEED = 20221101;
export const IOI_HELDOUT_NAMES = 20;

export function ioiNameSplit(): { train: string[]; heldout: string[] } {
  const names = ioiVocabulary().names;
  const held = new Set(makeRng(IOI_NAME_SPLIT_SEED).shuffle(names).slice(names.length - IOI_HELDOUT_NAMES));
  return { train: names.filter((n) => !held.has(n)), heldout: names.filter((n) => held.has(n)) };
}

export function ioiNames(which: IoiNames = 'all'): string[] {
  return which === 'all' ? ioiVocabulary().names.slice() : ioiNameSplit()[which];
}

export interface IoiTemplate {
  family: 'BABA' | 'ABBA';
  /** Index of the BABA template it comes from (0..14). */
  base: number;
  text: string;
}

/** BABA template → ABBA: swap the first [B] and the first [A]. */
export function toAbba(baba: string): string {
  const b = baba.indexOf('[B]');
  const a = baba.indexOf('[A]');
  if (b < 0 || a < 0) throw new CircuitspecError(`IOI template ${JSON.stringify(baba)} lacks [A] or [B]`);
  const [first, second] = b < a ? [b, a] : [a, b];
  const swapped = baba[first + 1] === 'B' ? ['[A]', '[B]'] : ['[B]', '[A]'];
  return baba.slice(0, first) + swapped[0] + baba.slice(first + 3, second) + swapped[1] + baba.slice(second + 3);
}

/**
 * The template list for a family. 'mixed' = the first 7 BABA then the first 7 ABBA (the Colored Objects paper's
 * set); 'all' = the 15 BABA then the 15 ABBA. `templateIds` index into this list.
 */
export function ioiTemplates(family: IoiTemplates = 'mixed'): IoiTemplate[] {
  const baba = ioiVocabulary().baba_templates.map((text, base): IoiTemplate => ({ family: 'BABA', base, text }));
  const abba = baba.map((t): IoiTemplate => ({ family: 'ABBA', base: t.base, text: toAbba(t.text) }));
  switch (family) {
    case 'BABA':
      return baba;
    case 'ABBA':
      return abba;
    case 'mixed':
      return [...baba.slice(0, 7), ...abba.slice(0, 7)];
    case 'all':
      return [...baba, ...abba];
    default:
      throw new CircuitspecError(`unknown IOI template family '${String(family)}' (expected BABA, ABBA, mixed or all)`, { field: 'templates' });
  }
}

export interface IoiOptions {
  n: number;
  seed: number;
  templates?: IoiTemplates;
  templateIds?: number[];
  corruption?: IoiCorruption;
  names?: IoiNames;
  prependBos?: boolean;
}

interface Filled {
  text: string;
  tokens: number[];
  roles: Record<string, number>;
}

/** Fill a prompt template (already cut before the final [A]) and find the roles by tokenising. */
function fillIoi(tokenizer: Tokenizer, template: string, io: string, s1: string, s2: string, place: string, object: string, id: string): Filled {
  const { text, slots } = fillTemplate(template, (slot, occ) => {
    if (slot === 'A') return io;
    if (slot === 'B') return occ === 0 ? s1 : s2;
    if (slot === 'PLACE') return place;
    if (slot === 'OBJECT') return object;
    throw new CircuitspecError(`IOI template ${JSON.stringify(template)} has an unknown slot [${slot}]`);
  });
  const enc = encodeWithOffsets(tokenizer, text);
  const at = (slot: string, occ: number, role: string): number => tokenAtChar(enc, slotStart(slots, slot, occ, template), `prompt ${id} role ${role}`);
  const roles: Record<string, number> = { IO: at('A', 0, 'IO'), S1: at('B', 0, 'S1'), S2: at('B', 1, 'S2') };
  roles['S1+1'] = roles.S1 + 1;
  roles.END = enc.tokens.length - 1;
  const expect: [string, string][] = [['IO', io], ['S1', s1], ['S2', s2]];
  for (const [role, name] of expect) {
    const want = singleTokenId(tokenizer, ` ${name}`, `prompt ${id} name`);
    if (enc.tokens[roles[role]] !== want) {
      throw new CircuitspecError(`prompt ${id}: role ${role} should be the token ${JSON.stringify(' ' + name)} but tokenising ${JSON.stringify(text)} puts ${JSON.stringify(tokenizer.decode([enc.tokens[roles[role]]]))} there`);
    }
  }
  return { text, tokens: enc.tokens, roles };
}

function pickDistinct(rng: Rng, pool: string[], k: number, avoid: string[] = []): string[] {
  const free = pool.filter((x) => !avoid.includes(x));
  if (free.length < k) throw new CircuitspecError(`IOI needs ${k} distinct names but the name pool has only ${free.length} left`, { field: 'names' });
  return rng.sample(free, k);
}

export function generateIoi(name: string, opts: IoiOptions, tokenizer: Tokenizer): PromptSet {
  const { n, seed, corruption, prependBos = false } = opts;
  const family = opts.templates ?? 'mixed';
  const namePool = opts.names ?? 'all';
  if (!Number.isInteger(n) || n <= 0) throw new CircuitspecError(`IOI task '${name}': n must be a positive integer, got ${n}`, { field: 'n' });
  const list = ioiTemplates(family);
  const chosen = opts.templateIds?.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= list.length) {
      throw new CircuitspecError(`IOI task '${name}': templateIds entry ${i} is out of range 0..${list.length - 1} for templates '${family}'`, { field: 'templateIds' });
    }
    return i;
  }) ?? list.map((_, i) => i);
  if (chosen.length === 0) throw new CircuitspecError(`IOI task '${name}': templateIds is empty`, { field: 'templateIds' });
  const pool = ioiNames(namePool);
  const { places, objects } = ioiVocabulary();
  const rng = makeRng(deriveSeed(seed, 'ioi'));

  const prompts: Prompt[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${name}#${i}`;
    const tIndex = rng.choice(chosen);
    const t = list[tIndex];
    if (!t.text.endsWith(' [A]')) throw new CircuitspecError(`IOI template ${JSON.stringify(t.text)} does not end with the IO name`);
    const cut = t.text.slice(0, -' [A]'.length);
    const [io, s] = pickDistinct(rng, pool, 2);
    const place = rng.choice(places);
    const object = rng.choice(objects);
    const clean = fillIoi(tokenizer, cut, io, s, s, place, object, id);
    const answerId = singleTokenId(tokenizer, ` ${io}`, `prompt ${id} answer`);
    const sId = singleTokenId(tokenizer, ` ${s}`, `prompt ${id} distractor`);
    let corrupted: Prompt['corrupted'];
    if (corruption === 's2_io_flip') {
      const c = fillIoi(tokenizer, cut, io, s, io, place, object, `${id} (corrupted)`);
      corrupted = { text: c.text, tokens: c.tokens, answer: ` ${s}`, answerId: sId, roles: c.roles };
    } else if (corruption === 'abc') {
      const [c1, c2, c3] = pickDistinct(rng, pool, 3, [io, s]);
      const c = fillIoi(tokenizer, cut, c1, c2, c3, place, object, `${id} (corrupted)`);
      corrupted = { text: c.text, tokens: c.tokens, answer: ` ${c1}`, answerId: singleTokenId(tokenizer, ` ${c1}`, `prompt ${id} corrupted answer`), roles: c.roles };
    } else if (corruption !== undefined) {
      throw new CircuitspecError(`IOI task '${name}': unknown corruption '${String(corruption)}' (expected s2_io_flip or abc)`, { field: 'corruption' });
    }
    let { tokens, roles } = clean;
    if (prependBos) {
      ({ tokens, roles } = withBos(tokenizer, tokens, roles));
      if (corrupted) Object.assign(corrupted, withBos(tokenizer, corrupted.tokens, corrupted.roles));
    }
    prompts.push({
      id,
      text: clean.text,
      tokens,
      answer: ` ${io}`,
      answerId,
      distractors: [` ${s}`],
      distractorIds: [sId],
      roles,
      corrupted,
      meta: { template: tIndex, family: t.family, baseTemplate: t.base, io, s, place, object },
    });
  }
  return {
    name,
    kind: 'ioi',
    prompts,
    roleNames: IOI_ROLES.slice(),
    provenance: {
      generator: 'ioi', n, seed, templates: family, templateIds: opts.templateIds ?? null, corruption: corruption ?? null,
      names: namePool, nameSplitSeed: IOI_NAME_SPLIT_SEED, prependBos, bosTokenId: tokenizer.bosTokenId, data: 'data/ioi/ioi-vocabulary.json',
    },
  };
}
