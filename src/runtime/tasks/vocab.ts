/** The paper data shipped in data/ (read once, at first use). */
import { readFileSync } from 'node:fs';
import { CircuitspecError } from '../../errors.js';
import { dataPath } from '../util/paths.js';

export interface IoiVocabulary {
  names: string[];
  places: string[];
  objects: string[];
  baba_templates: string[];
  abc_templates: string[];
}

const cache = new Map<string, unknown>();

export function readDataJson<T>(...parts: string[]): T {
  const path = dataPath(...parts);
  if (!cache.has(path)) {
    try {
      cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
    } catch (e) {
      throw new CircuitspecError(`cannot read packaged data ${path}: ${(e as Error).message}`, { file: path });
    }
  }
  return cache.get(path) as T;
}

export function ioiVocabulary(): IoiVocabulary {
  return readDataJson<IoiVocabulary>('ioi', 'ioi-vocabulary.json');
}
