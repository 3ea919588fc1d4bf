/** Finds `*.spec.yaml` files under the given files and folders (sorted, skipping node_modules and dot folders). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CircuitspecError } from '../errors.js';

const SPEC = /\.spec\.ya?ml$/;

/** With no paths: ./specs when it exists, else the current folder. */
export function defaultPaths(paths: string[]): string[] {
  if (paths.length) return paths;
  return existsSync('specs') ? ['specs'] : ['.'];
}

export function findSpecs(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (SPEC.test(entry.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new CircuitspecError(`no such file or folder: ${p}`);
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return [...new Set(out)];
}
