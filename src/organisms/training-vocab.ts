/**
 * Which GPT-2 ids an organism trains: every word its task generators can put in a training prompt or answer
 * (all IOI names, places and objects; Colored Objects colours in both cases and objects) plus the template
 * tokens seen in a fixed sample of training prompts. Training batches are encoded strictly, so a token outside
 * this set is an error, never a silent zero embedding.
 */
import { ioiVocabulary } from '../runtime/tasks/vocab.js';
import { CO_COLOURS, CO_OBJECTS, CO_SURFACES, titleCase } from '../runtime/tasks/colored-objects-format.js';
import type { Tokenizer } from '../runtime/tokenizer/index.js';
import { deriveSeed } from '../runtime/util/rng.js';
import { drawColoredObjects, drawIoi } from './data.js';
import { trainTemplateIds, type Recipe } from './recipes.js';
import { SubVocab } from './vocab.js';

export function trainingVocab(r: Recipe, tok: Tokenizer): SubVocab {
  const ids = new Set<number>();
  const words = (list: string[]): void => list.forEach((w) => ids.add(tok.tokenId(` ${w}`)));
  const v = ioiVocabulary();
  words([...v.names, ...v.places, ...v.objects]);
  for (const p of drawIoi(tok, 3000, deriveSeed(r.seed, 'vocab-ioi'), { templateIds: trainTemplateIds(r), pairs: 'train' })) p.tokens.forEach((t) => ids.add(t));
  if (r.cobjBatch > 0) {
    words([...CO_COLOURS, ...CO_COLOURS.map(titleCase), ...CO_OBJECTS, ...CO_SURFACES]);
    for (const p of drawColoredObjects(tok, 3000, deriveSeed(r.seed, 'vocab-cobj'))) p.tokens.forEach((t) => ids.add(t));
  }
  return new SubVocab(ids, tok.vocabSize);
}
