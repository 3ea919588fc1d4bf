/** Spec tasks → PlanTasks (runtime TaskSources with their seeds, roles and sizes). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deriveSeed } from '../../runtime/util/rng.js';
import type { PlanTask, TaskSource } from '../../plan/types.js';
import { taskRoles } from '../roles.js';
import type { TaskSpec } from '../schema.js';
import type { CompileContext } from './context.js';

/** Typical prompt lengths (tokens), for estimates only. */
const POSITIONS: Record<string, number> = { ioi: 16, 'colored-objects': 62, 'colored-objects-paper': 62, greater_than: 12 };

export function compileTask(ctx: CompileContext, name: string, t: TaskSpec, seed: number, baseDir: string): PlanTask {
  const taskSeed = 'seed' in t && t.seed !== undefined ? t.seed : deriveSeed(seed, `task:${name}`);
  let source: TaskSource;
  switch (t.source) {
    case 'ioi':
      source = { generator: 'ioi', n: t.n, seed: taskSeed, templates: t.templates, templateIds: t.templateIds, corruption: t.corruption, names: t.names };
      break;
    case 'colored-objects':
      source = { generator: 'colored-objects', n: t.n, seed: taskSeed, corruption: t.corruption };
      break;
    case 'greater_than':
      source = { generator: 'greater_than', n: t.n, seed: taskSeed, corruption: t.corruption };
      break;
    case 'colored-objects-paper': {
      const offset = t.offset ?? 0;
      if (offset >= PAPER_PROMPTS) throw ctx.at(['tasks', name, 'offset'])(`offset ${offset} is past the end of the paper's ${PAPER_PROMPTS} prompts`);
      if (t.n !== undefined && offset + t.n > PAPER_PROMPTS) {
        throw ctx.at(['tasks', name, 'n'])(`n ${t.n} from offset ${offset} runs past the paper's ${PAPER_PROMPTS} prompts (at most ${PAPER_PROMPTS - offset})`);
      }
      source = { dataset: 'colored-objects-paper', n: t.n, offset: t.offset };
      break;
    }
    case 'jsonl':
      source = { file: t.path };
      break;
  }
  let roles: string[];
  try {
    roles = taskRoles(t, baseDir);
  } catch (e) {
    throw ctx.at(['tasks', name, 'path'])((e as Error).message);
  }
  return {
    name,
    source: JSON.parse(JSON.stringify(source)) as TaskSource, // drops undefined fields
    prependBos: t.prependBos ?? false,
    baseDir,
    roles,
    ...(t.source === 'jsonl' ? jsonlSize(resolve(baseDir, t.path)) : { prompts: promptCount(t), positions: POSITIONS[t.source] }),
    at: ctx.location(['tasks', name]),
  };
}

/**
 * A JSONL task's size for estimates: its prompt lines (blank and // lines skipped, as the loader does) and a
 * typical length. Unreadable files are reported by the roles check above.
 */
function jsonlSize(file: string): { prompts?: number; positions?: number } {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
  } catch {
    return {};
  }
  // Token lines count their ids; text lines ~4 characters per GPT-2 token, +1 for a BOS-free first token.
  const lengths = lines.map((l) => {
    try {
      const rec = JSON.parse(l) as { prompt?: unknown; tokens?: unknown };
      if (Array.isArray(rec.tokens)) return rec.tokens.length;
      return typeof rec.prompt === 'string' ? rec.prompt.length / 4 + 1 : 0;
    } catch {
      return 0;
    }
  });
  const mean = lengths.reduce((a, c) => a + c, 0) / Math.max(1, lengths.length);
  return { prompts: lines.length, ...(mean > 0 && { positions: Math.round(mean) }) };
}

/** The released Colored Objects set has 1000 prompts; `n` (after `offset`) takes a slice of it. */
const PAPER_PROMPTS = 1000;

function promptCount(t: TaskSpec): number | undefined {
  if (t.source === 'colored-objects-paper') return t.n ?? PAPER_PROMPTS - (t.offset ?? 0);
  return 'n' in t ? t.n : undefined;
}

/** Whether the task will have corrupted partners (undefined: only known once built). */
export function hasCorruption(t: TaskSpec): boolean | undefined {
  if (t.source === 'ioi' || t.source === 'colored-objects' || t.source === 'greater_than') return t.corruption !== undefined;
  if (t.source === 'colored-objects-paper') return true;
  return undefined;
}
