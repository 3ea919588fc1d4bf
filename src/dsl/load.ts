/** Reads a spec file: YAML with locations, then schema validation. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CircuitspecError } from '../errors.js';
import { specSchema, type Spec } from './schema.js';
import { validateSpecData } from './validate.js';
import { loadYaml, type LoadedYaml } from './yaml.js';

export interface LoadedSpec {
  spec: Spec;
  yaml: LoadedYaml;
  /** As shown in messages (relative to cwd when inside it). */
  file: string;
  sha256: string;
}

export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function parseSpec(file: string, text: string): LoadedSpec {
  const yaml = loadYaml(file, text, specSchema as unknown as Record<string, unknown>);
  validateSpecData(yaml);
  return { spec: yaml.data as Spec, yaml, file, sha256: createHash('sha256').update(text).digest('hex') };
}

export function loadSpec(path: string): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CircuitspecError(`cannot read spec: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { file: displayPath(path) });
  }
  return parseSpec(displayPath(path), text);
}
