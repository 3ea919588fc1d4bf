/**
 * The Colored Objects prompt format of Merullo et al. (one solved example, then the query):
 * "Q: On the table, I see an orange textbook, a red puzzle, and a purple cup. What color is the textbook?\nA: Orange\n
 *  Q: On the floor, there is a blue pencil, a black necklace, and a yellow lighter. What color is the pencil?\nA:"
 */
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { encodeWithOffsets, singleTokenId, tokenAtChar } from './tokens.js';

export const CO_COLOURS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'brown'];
export const CO_OBJECTS = [
  'ball', 'bowl', 'bottle', 'bracelet', 'cup', 'envelope', 'jug', 'leash', 'lighter',
  'mug', 'necklace', 'notebook', 'pen', 'pencil', 'plate', 'puzzle', 'textbook',
];
export const CO_SURFACES = ['table', 'desk', 'floor'];
export const CO_OPENINGS = ['there is', 'you see', 'I see'];
/** correct_/wrong_colour1/2 and correct_/wrong_object1/2: the query's colours and objects by whether the question asks about them. */
export const CO_ROLES = ['colour1', 'colour2', 'colour3', 'object1', 'object2', 'object3', 'question_object', 'correct_colour', 'wrong_colour1', 'wrong_colour2', 'correct_object', 'wrong_object1', 'wrong_object2', 'END'];

export interface CoExample {
  surface: string;
  opening: string;
  colours: [string, string, string];
  objects: [string, string, string];
  /** Which of the three objects the question asks about. */
  asked: number;
}

export const titleCase = (w: string): string => w[0].toUpperCase() + w.slice(1);
const article = (w: string): string => (/^[aeiou]/.test(w) ? 'an' : 'a');

export function formatExample(e: CoExample): string {
  const item = (i: number): string => `${article(e.colours[i])} ${e.colours[i]} ${e.objects[i]}`;
  return `Q: On the ${e.surface}, ${e.opening} ${item(0)}, ${item(1)}, and ${item(2)}. What color is the ${e.objects[e.asked]}?\nA:`;
}

/** One solved example then the query, ending at "A:" (the answer, title case with a space, is not part of it). */
export function formatPrompt(example: CoExample, query: CoExample): string {
  return `${formatExample(example)} ${titleCase(example.colours[example.asked])}\n${formatExample(query)}`;
}

const EXAMPLE_RE = /Q: On the (\w+), (there is|you see|I see) (?:a|an) (\w+) (\w+), (?:a|an) (\w+) (\w+), and (?:a|an) (\w+) (\w+)\. What color is the (\w+)\?\nA:/dg;

export interface ParsedPrompt {
  examples: CoExample[];
  /** Char offsets in the text of the query's colours, objects and question object. */
  colourAt: number[];
  objectAt: number[];
  questionAt: number;
}

/** Parse a prompt of this format (the last example is the query); errors name `where`. */
export function parsePrompt(text: string, where: string): ParsedPrompt {
  const matches = [...text.matchAll(EXAMPLE_RE)];
  if (matches.length < 1 || !text.endsWith('A:')) {
    throw new CircuitspecError(`${where}: not a Colored Objects prompt ("Q: On the …, … What color is the …?\\nA:"): ${JSON.stringify(text.slice(0, 80))}…`);
  }
  const examples = matches.map((m): CoExample => {
    const objects: [string, string, string] = [m[4], m[6], m[8]];
    const asked = objects.indexOf(m[9]);
    if (asked < 0) throw new CircuitspecError(`${where}: the question asks about '${m[9]}', which is not one of ${objects.join(', ')}`);
    return { surface: m[1], opening: m[2], colours: [m[3], m[5], m[7]], objects, asked };
  });
  const q = matches[matches.length - 1];
  const idx = q.indices!;
  return { examples, colourAt: [idx[3][0], idx[5][0], idx[7][0]], objectAt: [idx[4][0], idx[6][0], idx[8][0]], questionAt: idx[9][0] };
}

/** Tokenise a prompt and find its roles (positions without BOS). */
export function coRoles(tokenizer: Tokenizer, text: string, where: string): { tokens: number[]; roles: Record<string, number>; parsed: ParsedPrompt } {
  const parsed = parsePrompt(text, where);
  const enc = encodeWithOffsets(tokenizer, text);
  const roles: Record<string, number> = {};
  const query = parsed.examples[parsed.examples.length - 1];
  const check = (role: string, at: number, word: string): void => {
    const pos = tokenAtChar(enc, at, `${where} role ${role}`);
    const want = singleTokenId(tokenizer, ` ${word}`, `${where} role ${role}`);
    if (enc.tokens[pos] !== want) throw new CircuitspecError(`${where}: role ${role} should be the token ${JSON.stringify(' ' + word)}`);
    roles[role] = pos;
  };
  for (let i = 0; i < 3; i++) check(`colour${i + 1}`, parsed.colourAt[i], query.colours[i]);
  for (let i = 0; i < 3; i++) check(`object${i + 1}`, parsed.objectAt[i], query.objects[i]);
  check('question_object', parsed.questionAt, query.objects[query.asked]);
  roles.END = enc.tokens.length - 1;
  return { tokens: enc.tokens, roles, parsed };
}

/** The 8 colours as answers: ' Red', ' Blue', … */
export function coCandidates(tokenizer: Tokenizer): { words: string[]; ids: number[] } {
  const words = CO_COLOURS.map((c) => ` ${titleCase(c)}`);
  return { words, ids: words.map((w) => singleTokenId(tokenizer, w, 'Colored Objects answer')) };
}
