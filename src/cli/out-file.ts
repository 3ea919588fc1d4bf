/**
 * `--out`: checked before the run (a missing folder found after an hour of compute would lose the results) and
 * written atomically (a temporary file renamed over the target, so a crash never leaves half a JSON file).
 */
import { accessSync, constants, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CircuitspecError } from '../errors.js';

export function checkOutPath(path: string): void {
  const abs = resolve(path);
  const dir = dirname(abs);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new CircuitspecError(`--out ${path}: the folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new CircuitspecError(`--out ${path}: ${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CircuitspecError(`--out ${path}: the folder ${dir} is not writable`);
  }
  try {
    if (statSync(abs).isDirectory()) throw new CircuitspecError(`--out ${path} is a folder; give a file name`);
  } catch (e) {
    if (e instanceof CircuitspecError) throw e; // a missing file is fine: it is about to be written
  }
}

export function writeAtomic(path: string, text: string): void {
  const tmp = `${resolve(path)}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CircuitspecError(`--out ${path}: cannot write the results: ${(e as Error).message}`);
  }
}
