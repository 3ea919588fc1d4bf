/** Seeded Colored Objects prompts in the paper's format; the two examples share no colour and no object. */
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { deriveSeed, makeRng, type Rng } from '../util/rng.js';
import {
  CO_COLOURS, CO_OBJECTS, CO_OPENINGS, CO_ROLES, CO_SURFACES, coCandidates, coRoles, formatPrompt, titleCase, type CoExample,
} from './colored-objects-format.js';
import { singleTokenId, withBos } from './tokens.js';
import type { Prompt, PromptSet } from './types.js';

export interface ColoredObjectsOptions {
  n: number;
  seed: number;
  corruption?: 'question_object';
  prependBos?: boolean;
}

function drawExamples(rng: Rng): [CoExample, CoExample] {
  const colours = rng.sample(CO_COLOURS, 6);
  const objects = rng.sample(CO_OBJECTS, 6);
  const make = (k: number): CoExample => ({
    surface: rng.choice(CO_SURFACES),
    opening: rng.choice(CO_OPENINGS),
    colours: [colours[k], colours[k + 1], colours[k + 2]],
    objects: [objects[k], objects[k + 1], objects[k + 2]],
    asked: rng.int(3),
  });
  return [make(0), make(3)];
}

/** Build one prompt (and its corrupted partner, asking about another object) from two examples. */
export function coPrompt(tokenizer: Tokenizer, id: string, example: CoExample, query: CoExample, corruptAsk: number | undefined, prependBos: boolean): Prompt {
  const text = formatPrompt(example, query);
  let { tokens, roles } = coRoles(tokenizer, text, `prompt ${id}`);
  const colourAnswer = (k: number): string => ` ${titleCase(query.colours[k])}`;
  const answer = colourAnswer(query.asked);
  // Distractors are the query's other colours; the corrupted question's answer comes first.
  const others = [0, 1, 2].filter((k) => k !== query.asked);
  if (corruptAsk !== undefined) others.sort((a, b) => Number(b === corruptAsk) - Number(a === corruptAsk));
  const distractors = others.map(colourAnswer);
  // Per-prompt colour and object roles (attention targets): the asked object and its colour, then the two others,
  // in the distractors' order. Defined by the clean prompt and shared with its corrupted partner.
  roles = {
    ...roles,
    correct_colour: roles[`colour${query.asked + 1}`], wrong_colour1: roles[`colour${others[0] + 1}`], wrong_colour2: roles[`colour${others[1] + 1}`],
    correct_object: roles[`object${query.asked + 1}`], wrong_object1: roles[`object${others[0] + 1}`], wrong_object2: roles[`object${others[1] + 1}`],
  };
  let corrupted: Prompt['corrupted'];
  if (corruptAsk !== undefined) {
    const cq: CoExample = { ...query, asked: corruptAsk };
    const ctext = formatPrompt(example, cq);
    const c = coRoles(tokenizer, ctext, `prompt ${id} (corrupted)`);
    const canswer = colourAnswer(corruptAsk);
    const croles = {
      ...c.roles, correct_colour: roles.correct_colour, wrong_colour1: roles.wrong_colour1, wrong_colour2: roles.wrong_colour2,
      correct_object: roles.correct_object, wrong_object1: roles.wrong_object1, wrong_object2: roles.wrong_object2,
    };
    corrupted = { text: ctext, tokens: c.tokens, answer: canswer, answerId: singleTokenId(tokenizer, canswer, `prompt ${id} corrupted answer`), roles: croles };
    if (prependBos) Object.assign(corrupted, withBos(tokenizer, corrupted.tokens, corrupted.roles));
  }
  if (prependBos) ({ tokens, roles } = withBos(tokenizer, tokens, roles));
  return {
    id, text, tokens, answer, answerId: singleTokenId(tokenizer, answer, `prompt ${id} answer`),
    distractors, distractorIds: distractors.map((d) => singleTokenId(tokenizer, d, `prompt ${id} distractor`)),
    roles, corrupted, meta: { asked: query.asked, ...(corruptAsk !== undefined ? { corruptedAsked: corruptAsk } : {}) },
  };
}

export function generateColoredObjects(name: string, opts: ColoredObjectsOptions, tokenizer: Tokenizer): PromptSet {
  const { n, seed, corruption, prependBos = false } = opts;
  if (!Number.isInteger(n) || n <= 0) throw new CircuitspecError(`Colored Objects task '${name}': n must be a positive integer, got ${n}`, { field: 'n' });
  if (corruption !== undefined && corruption !== 'question_object') {
    throw new CircuitspecError(`Colored Objects task '${name}': unknown corruption '${String(corruption)}' (expected question_object)`, { field: 'corruption' });
  }
  const rng = makeRng(deriveSeed(seed, 'colored-objects'));
  const prompts: Prompt[] = [];
  for (let i = 0; i < n; i++) {
    const [example, query] = drawExamples(rng);
    const corruptAsk = corruption ? rng.choice([0, 1, 2].filter((k) => k !== query.asked)) : undefined;
    prompts.push(coPrompt(tokenizer, `${name}#${i}`, example, query, corruptAsk, prependBos));
  }
  return {
    name, kind: 'colored-objects', prompts, roleNames: CO_ROLES.slice(), candidates: coCandidates(tokenizer),
    provenance: { generator: 'colored-objects', n, seed, corruption: corruption ?? null, prependBos, bosTokenId: tokenizer.bosTokenId },
  };
}
