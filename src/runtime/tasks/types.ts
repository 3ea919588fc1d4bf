/** The data a task hands to experiments: prompts with token-level roles. Plain JSON-able records. */

export interface CorruptedPrompt {
  text: string;
  tokens: number[];
  answer: string;
  answerId: number;
  roles: Record<string, number>;
}

export interface Prompt {
  id: string;
  text: string;
  /** No BOS unless the task asked for one. */
  tokens: number[];
  /** ' Mary' / ' Blue' (leading space). */
  answer: string;
  answerId: number;
  /** Every correct answer where there are several (greater_than: the later years); answerId is the first. */
  answerIds?: number[];
  /** IOI: [S]; Colored Objects: the other colours of the query example. */
  distractors: string[];
  distractorIds: number[];
  /** role → token position. IOI: IO, S1, S2, 'S1+1', END; Colored Objects: colour1..3, object1..3, question_object, END. */
  roles: Record<string, number>;
  corrupted?: CorruptedPrompt;
  /** Given as token ids (a JSONL "tokens" line): used as written; text and answer strings are decoded for display. */
  givenIds?: boolean;
  /** Template index, family BABA/ABBA, … */
  meta?: Record<string, string | number>;
}

export interface PromptSet {
  name: string;
  kind: string;
  prompts: Prompt[];
  roleNames: string[];
  candidates?: { words: string[]; ids: number[] };
  provenance: Record<string, unknown>;
}

export type IoiTemplates = 'BABA' | 'ABBA' | 'mixed' | 'all';
export type IoiCorruption = 's2_io_flip' | 'abc';
export type IoiNames = 'all' | 'train' | 'heldout';

export type TaskSource =
  | { generator: 'ioi'; n: number; seed: number; templates?: IoiTemplates; templateIds?: number[]; corruption?: IoiCorruption; names?: IoiNames }
  | { generator: 'colored-objects'; n: number; seed: number; corruption?: 'question_object' }
  | { generator: 'greater_than'; n: number; seed: number; corruption?: 'year_01' }
  | { dataset: 'colored-objects-paper'; n?: number; offset?: number }
  /** JSONL, path relative to the spec's folder (baseDir). */
  | { file: string };

export interface BuildTaskOptions {
  prependBos?: boolean;
  baseDir?: string;
}
