/**
 * Role names each task source gives its prompts, known before any prompt is built so a misspelt role is a compile
 * error. These mirror the runtime's IOI_ROLES / CO_ROLES (test/dsl/roles.test.ts checks they agree).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CircuitspecError } from '../errors.js';
import type { TaskSpec } from './schema.js';

export const IOI_ROLES = ['IO', 'S1', 'S2', 'S1+1', 'END'];
export const GREATER_THAN_ROLES = ['NOUN', 'XX1', 'YY', 'END'];
export const COLORED_OBJECTS_ROLES = [
  'colour1', 'colour2', 'colour3', 'object1', 'object2', 'object3', 'question_object', 'correct_colour', 'wrong_colour1', 'wrong_colour2', 'correct_object', 'wrong_object1', 'wrong_object2', 'END',
];

export function taskRoles(task: TaskSpec, baseDir: string): string[] {
  switch (task.source) {
    case 'ioi':
      return IOI_ROLES;
    case 'colored-objects':
    case 'colored-objects-paper':
      return COLORED_OBJECTS_ROLES;
    case 'greater_than':
      return GREATER_THAN_ROLES;
    case 'jsonl':
      return jsonlRoles(resolve(baseDir, task.path));
  }
}

/** Every role key any line names, plus END (always added). Full checks happen when the task is built. */
function jsonlRoles(file: string): string[] {
  let body: string;
  try {
    body = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CircuitspecError(`cannot read task file: ${(e as Error).message}`, { field: 'path' });
  }
  const roles = new Set<string>();
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('//')) continue;
    try {
      const rec = JSON.parse(line) as { roles?: Record<string, unknown> };
      for (const r of Object.keys(rec.roles ?? {})) roles.add(r);
    } catch {
      // reported with its line number when the task is built
    }
  }
  roles.add('END');
  return [...roles];
}
