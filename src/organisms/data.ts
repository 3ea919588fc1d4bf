/**
 * Training and evaluation prompts for the organisms, drawn from the project's own task generators (buildTask).
 * IOI generalisation is measured on name pairs and a template never seen in training: an unordered name pair is
 * held out by a fixed hash (10% of pairs); whole held-out names cannot be learned (their embedding rows would
 * never be trained), so the split is over pairs.
 */
import { buildTask } from '../runtime/tasks/index.js';
import type { Prompt, TaskSource } from '../runtime/tasks/types.js';
import type { Tokenizer } from '../runtime/tokenizer/index.js';
import { deriveSeed } from '../runtime/util/rng.js';
import { CircuitspecError } from '../errors.js';
import type { NetInput } from './net.js';
import type { SubVocab } from './vocab.js';

/** 30 templates in 'all' order: BABA 0..14 then ABBA 15..29 (index 15+i is BABA i's ABBA form). */
export const IOI_TEMPLATE_COUNT = 30;

/** True for the ~10% of unordered name pairs never used in training. */
export function isHeldOutPair(a: string, b: string): boolean {
  const [x, y] = a < b ? [a, b] : [b, a];
  return deriveSeed(0x101, `${x}|${y}`) % 10 === 0;
}

export type PairFilter = 'train' | 'heldout' | 'any';

export interface IoiDraw {
  templateIds: number[];
  pairs: PairFilter;
}

function keepPair(p: Prompt, f: PairFilter): boolean {
  if (f === 'any') return true;
  const held = isHeldOutPair(String(p.meta?.io), String(p.meta?.s));
  return f === 'heldout' ? held : !held;
}

/** `n` IOI prompts from the given templates whose name pairs pass the filter (deterministic in `seed`). */
export function drawIoi(tok: Tokenizer, n: number, seed: number, d: IoiDraw): Prompt[] {
  const out: Prompt[] = [];
  for (let round = 0; out.length < n; round++) {
    const want = d.pairs === 'heldout' ? (n - out.length) * 12 : Math.ceil((n - out.length) * 1.2) + 4;
    const src: TaskSource = { generator: 'ioi', n: want, seed: deriveSeed(seed, `round${round}`), templates: 'all', templateIds: d.templateIds, corruption: undefined };
    for (const p of buildTask('ioi-train', src, tok).prompts) {
      if (out.length < n && keepPair(p, d.pairs)) out.push(p);
    }
  }
  return out;
}

export function drawColoredObjects(tok: Tokenizer, n: number, seed: number): Prompt[] {
  return buildTask('cobj-train', { generator: 'colored-objects', n, seed }, tok).prompts;
}

/** A batch in compact ids: the net's input plus answer/distractor rows and the END position of each prompt. */
export interface Batch extends NetInput {
  /** Flat index (row*P + END) of each prompt's last token. */
  end: Int32Array;
  /** Compact answer id per prompt. */
  answer: Int32Array;
  /** Compact distractor ids per prompt (IOI: [S]; Colored Objects: the query's other colours). */
  distractors: number[][];
  /** Next-token target per flat position (compact), -1 where none (padding); END's target is the answer. */
  next: Int32Array;
}

/** Extra loss rows of a batch: flat row indices (row*P + position) and their compact targets. */
export interface RowTargets {
  rows: Int32Array;
  targets: Int32Array;
}

/** Query rows (question's object) and the key position of the listed object it names. */
export interface LookupKeys {
  rows: Int32Array;
  keys: Int32Array;
}

/**
 * Intermediate targets on Colored Objects prompts (training only, from the prompt's roles): each of the query's
 * listed objects → its own colour in answer form, the question's object → the answer, and the lookup's attention
 * target (question's object → the listed object it names). They supervise the steps of the lookup separately,
 * which the answer alone does not teach here (COLORED-OBJECTS.md).
 */
export function colourTargets(prompts: Prompt[], b: Batch): { objects: RowTargets; question: RowTargets; lookup: LookupKeys } {
  const objRows: number[] = [];
  const objTargets: number[] = [];
  const qRows: number[] = [];
  const qTargets: number[] = [];
  const lKeys: number[] = [];
  prompts.forEach((p, i) => {
    const r = p.roles;
    // The query's three colours in answer form, keyed by the position of their lower-case word.
    const byColourPos = new Map([[r.correct_colour, b.answer[i]], [r.wrong_colour1, b.distractors[i][0]], [r.wrong_colour2, b.distractors[i][1]]]);
    for (const k of [1, 2, 3]) {
      const target = byColourPos.get(r[`colour${k}`]);
      if (target === undefined || r[`object${k}`] === undefined) throw new CircuitspecError(`${p.id}: no colour role for object${k}`);
      objRows.push(i * b.P + r[`object${k}`]);
      objTargets.push(target);
    }
    lKeys.push(r.correct_object);
    qRows.push(i * b.P + r.question_object);
    qTargets.push(b.answer[i]);
  });
  const question = { rows: Int32Array.from(qRows), targets: Int32Array.from(qTargets) };
  // The lookup's queries are the question's object, the rows of the question target.
  return { objects: { rows: Int32Array.from(objRows), targets: Int32Array.from(objTargets) }, question, lookup: { rows: question.rows, keys: Int32Array.from(lKeys) } };
}

/** Encode prompts (right-padded with the untrained row, which causal attention never lets real tokens see). */
export function toBatch(prompts: Prompt[], vocab: SubVocab, strict: boolean): Batch {
  const n = prompts.length;
  const P = Math.max(...prompts.map((p) => p.tokens.length));
  const x = new Int32Array(n * P).fill(vocab.untrained);
  const next = new Int32Array(n * P).fill(-1);
  const end = new Int32Array(n);
  const answer = new Int32Array(n);
  const distractors: number[][] = [];
  prompts.forEach((p, i) => {
    p.tokens.forEach((t, j) => {
      x[i * P + j] = vocab.compact(t, strict, p.id);
      if (j > 0) next[i * P + j - 1] = x[i * P + j];
    });
    end[i] = i * P + p.tokens.length - 1;
    answer[i] = vocab.compact(p.answerId, strict, `${p.id} answer`);
    next[end[i]] = answer[i];
    distractors.push(p.distractorIds.map((d) => vocab.compact(d, strict, `${p.id} distractor`)));
  });
  return { x, n, P, end, answer, distractors, next };
}
