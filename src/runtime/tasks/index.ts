/** Build a prompt set from a task source (generator, packaged dataset or the user's JSONL file). */
import { CircuitspecError } from '../../errors.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { loadColoredObjectsPaper } from './colored-objects-paper.js';
import { generateColoredObjects } from './colored-objects.js';
import { generateGreaterThan } from './greater-than.js';
import { generateIoi } from './ioi.js';
import { loadJsonlTask } from './jsonl.js';
import type { BuildTaskOptions, PromptSet, TaskSource } from './types.js';

export type * from './types.js';
export { checkTask } from './check.js';
export { generateIoi, ioiNameSplit, ioiNames, ioiTemplates, toAbba, IOI_ROLES, IOI_NAME_SPLIT_SEED, IOI_HELDOUT_NAMES } from './ioi.js';
export { generateColoredObjects } from './colored-objects.js';
export { loadColoredObjectsPaper, CO_PAPER_FACTS } from './colored-objects-paper.js';
export { CO_COLOURS, CO_OBJECTS, CO_SURFACES, CO_OPENINGS, CO_ROLES, formatPrompt, parsePrompt } from './colored-objects-format.js';
export { loadJsonlTask } from './jsonl.js';
export { generateGreaterThan, greaterThanYears, GT_NOUNS, GT_ROLES } from './greater-than.js';

export function buildTask(name: string, source: TaskSource, tokenizer: Tokenizer, opts: BuildTaskOptions = {}): PromptSet {
  const prependBos = opts.prependBos ?? false;
  if ('generator' in source) {
    if (source.generator === 'ioi') return generateIoi(name, { ...source, prependBos }, tokenizer);
    if (source.generator === 'colored-objects') return generateColoredObjects(name, { ...source, prependBos }, tokenizer);
    if (source.generator === 'greater_than') return generateGreaterThan(name, { ...source, prependBos }, tokenizer);
    throw new CircuitspecError(`task '${name}': unknown generator '${String((source as { generator: unknown }).generator)}' (expected ioi, colored-objects or greater_than)`, { field: `tasks.${name}.generator` });
  }
  if ('dataset' in source) {
    if (source.dataset === 'colored-objects-paper') return loadColoredObjectsPaper(name, { ...source, prependBos }, tokenizer);
    throw new CircuitspecError(`task '${name}': unknown dataset '${String(source.dataset)}' (expected colored-objects-paper)`, { field: `tasks.${name}.dataset` });
  }
  if ('file' in source) return loadJsonlTask(name, source.file, tokenizer, { baseDir: opts.baseDir, prependBos });
  throw new CircuitspecError(`task '${name}': give one of generator, dataset or file`, { field: `tasks.${name}` });
}
