/** Spec tasks → PlanTasks (runtime TaskSources with their seeds, roles and sizes). */
import { deriveSeed } from '../../runtime/util/rng.js';
import type { PlanTask, TaskSource } from '../../plan/types.js';
import { taskRoles } from '../roles.js';
import type { TaskSpec } from '../schema.js';
import type { CompileContext } from './context.js';

/** Typical prompt lengths (tokens), for estimates only. */
const POSITIONS: Record<string, number> = { ioi: 16, 'colored-objects': 62, 'colored-objects-paper': 62 };

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
    prompts: promptCount(t),
    positions: POSITIONS[t.source],
    at: ctx.location(['tasks', name]),
  };
}

/** The released Colored Objects set has 1000 prompts; `n` (after `offset`) takes a slice of it. */
const PAPER_PROMPTS = 1000;

function promptCount(t: TaskSpec): number | undefined {
  if (t.source === 'colored-objects-paper') return t.n ?? PAPER_PROMPTS - (t.offset ?? 0);
  return 'n' in t ? t.n : undefined;
}

/** Whether the task will have corrupted partners (undefined: only known once built). */
export function hasCorruption(t: TaskSpec): boolean | undefined {
  if (t.source === 'ioi' || t.source === 'colored-objects') return t.corruption !== undefined;
  if (t.source === 'colored-objects-paper') return true;
  return undefined;
}
