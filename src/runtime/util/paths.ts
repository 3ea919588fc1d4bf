/** Where the package's own files (data/, fixtures/) live, from src/ under tsx/vitest and from dist/src/ after build. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CircuitspecError } from '../../errors.js';

let cached: string | undefined;

/** The folder holding circuitspec's package.json, found by walking up from this file. */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'data'))) return (cached = dir);
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  throw new CircuitspecError(`cannot find circuitspec's package root (package.json beside data/) above ${fileURLToPath(import.meta.url)}`);
}

/** A path under the package's data/ folder. */
export function dataPath(...parts: string[]): string {
  return join(packageRoot(), 'data', ...parts);
}
