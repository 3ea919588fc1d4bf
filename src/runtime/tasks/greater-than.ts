/**
 * Greater-Than prompts (Hanna et al. 2023; Merullo et al. App. H): "The war lasted from the year 17YY to the year 17",
 * where the model should put its probability on two-digit years above YY. YY is drawn from 02..98 among the years
 * whose " 17YY" this tokenizer splits as " 17" + "YY" (so the year's last two digits are one token, as the task
 * needs; with GPT-2's tokenizer every YY in 02..98 does). The corrupted partner is Hanna et al.'s baseline, the
 * start year 1701 (" 17" + "01"), of equal length.
 * Every prompt's answers are the years above YY (answerIds; answerId the next year, YY + 1) and its distractors the
 * years up to YY, latest first (distractorIds[0] is YY itself: logit_diff reads next year − same year). The task's
 * candidates are the 100 two-digit year tokens 00..99. Roles: NOUN (its first token), XX1 (the start year's " 17"),
 * YY, END (the closing " 17").
 */
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { deriveSeed, makeRng } from '../util/rng.js';
import { withBos } from './tokens.js';
import type { Prompt, PromptSet } from './types.js';

/** Hanna et al.'s nouns (as in their and ACDC's greater-than code). */
export const GT_NOUNS = [
  'abduction', 'accord', 'affair', 'agreement', 'appraisal', 'assaults', 'assessment', 'attack', 'attempts', 'campaign',
  'captivity', 'case', 'challenge', 'chaos', 'clash', 'collaboration', 'coma', 'competition', 'confrontation', 'consequence',
  'conspiracy', 'construction', 'consultation', 'contact', 'contract', 'convention', 'cooperation', 'custody', 'deal',
  'decline', 'decrease', 'demonstrations', 'development', 'disagreement', 'disorder', 'dispute', 'domination', 'dynasty',
  'effect', 'effort', 'employment', 'endeavor', 'engagement', 'epidemic', 'evaluation', 'exchange', 'existence', 'expansion',
  'expedition', 'experiments', 'fall', 'fame', 'flights', 'friendship', 'growth', 'hardship', 'hostility', 'illness',
  'impact', 'imprisonment', 'improvement', 'incarceration', 'increase', 'insurgency', 'invasion', 'investigation', 'journey',
  'kingdom', 'marriage', 'modernization', 'negotiation', 'notoriety', 'obstruction', 'operation', 'order', 'outbreak',
  'outcome', 'overhaul', 'patrols', 'pilgrimage', 'plague', 'plan', 'practice', 'process', 'program', 'progress',
  'project', 'pursuit', 'quest', 'raids', 'reforms', 'reign', 'relationship', 'retaliation', 'riot', 'rise', 'rivalry',
  'romance', 'rule', 'sanctions', 'shift', 'siege', 'slump', 'stature', 'stint', 'strikes', 'study', 'test', 'testing',
  'tests', 'therapy', 'tour', 'tradition', 'treaty', 'trial', 'trip', 'unemployment', 'voyage', 'war', 'warfare', 'work',
];
export const GT_ROLES = ['NOUN', 'XX1', 'YY', 'END'];
const CENTURY = '17';

export interface GreaterThanOptions { n: number; seed: number; corruption?: 'year_01'; prependBos?: boolean }

const two = (y: number): string => String(y).padStart(2, '0');
export const greaterThanText = (noun: string, yy: string): string => `The ${noun} lasted from the year ${CENTURY}${yy} to the year ${CENTURY}`;

/** The two-digit year tokens 00..99 (each must be one token) and the YY in 02..98 whose " 17YY" splits as " 17" + "YY". */
export function greaterThanYears(tokenizer: Tokenizer): { ids: number[]; years: number[] } {
  const ids = Array.from({ length: 100 }, (_, y) => {
    const enc = tokenizer.encode(two(y));
    if (enc.length !== 1) throw new CircuitspecError(`greater_than: the year "${two(y)}" is not one token with this tokenizer, so the task cannot be stated`, { field: 'source' });
    return enc[0];
  });
  const [xx] = tokenizer.encode(` ${CENTURY}`);
  const years: number[] = [];
  for (let y = 2; y <= 98; y++) {
    const enc = tokenizer.encode(` ${CENTURY}${two(y)}`);
    if (enc.length === 2 && enc[0] === xx && enc[1] === ids[y]) years.push(y);
  }
  if (years.length < 10) throw new CircuitspecError(`greater_than: only ${years.length} years 17YY split as " 17" + "YY" with this tokenizer (need 10)`, { field: 'source' });
  return { ids, years };
}

export function generateGreaterThan(name: string, opts: GreaterThanOptions, tokenizer: Tokenizer): PromptSet {
  const { ids, years } = greaterThanYears(tokenizer);
  const rng = makeRng(deriveSeed(opts.seed, 'greater-than'));
  const prompts: Prompt[] = [];
  for (let i = 0; i < opts.n; i++) {
    const noun = rng.choice(GT_NOUNS);
    const yy = rng.choice(years);
    const id = `${name}#${i}`;
    const text = greaterThanText(noun, two(yy));
    const tokens = tokenizer.encode(text);
    const [nounTok] = tokenizer.encode(` ${noun}`);
    // "The" + noun tokens + " lasted from the year" … : locate by token, from the end where the layout is fixed.
    const end = tokens.length - 1;
    let roles: Record<string, number> = { NOUN: tokens.indexOf(nounTok), XX1: end - 5, YY: end - 4, END: end };
    if (tokens[roles.YY] !== ids[yy] || tokens[roles.XX1] !== tokens[end] || roles.NOUN !== 1) throw new CircuitspecError(`greater_than: prompt ${id} "${text}" does not tokenize as expected`, { field: 'source' });
    const answerIds = ids.slice(yy + 1);
    const distractorIds = ids.slice(0, yy + 1).reverse();
    let corrupted: Prompt['corrupted'];
    if (opts.corruption === 'year_01') {
      const ctext = greaterThanText(noun, '01');
      corrupted = { text: ctext, tokens: tokenizer.encode(ctext), answer: two(yy + 1), answerId: answerIds[0], roles: { ...roles } };
      if (corrupted.tokens.length !== tokens.length) throw new CircuitspecError(`greater_than: prompt ${id}: the 1701 baseline has another length`, { field: 'corruption' });
    }
    let t = tokens;
    if (opts.prependBos) {
      ({ tokens: t, roles } = withBos(tokenizer, tokens, roles));
      if (corrupted) Object.assign(corrupted, withBos(tokenizer, corrupted.tokens, corrupted.roles));
    }
    prompts.push({
      id, text, tokens: t, answer: two(yy + 1), answerId: answerIds[0], answerIds,
      distractors: distractorIds.map((_, k) => two(yy - k)), distractorIds, roles, corrupted, meta: { noun, year: Number(`${CENTURY}${two(yy)}`) },
    });
  }
  return {
    name, kind: 'greater_than', prompts, roleNames: GT_ROLES,
    candidates: { words: ids.map((_, y) => two(y)), ids },
    provenance: { generator: 'greater_than', n: opts.n, seed: opts.seed, corruption: opts.corruption ?? null, prependBos: opts.prependBos ?? false, bosTokenId: tokenizer.bosTokenId, years: years.length },
  };
}
