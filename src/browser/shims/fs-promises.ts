/** node:fs/promises for the browser page: reads of the in-memory files; anything that writes is refused. */
import { getFile, noSuchFile } from '../vfs.js';

const decoder = new TextDecoder();

export async function readFile(path: string, enc?: string | { encoding?: string }): Promise<string | Uint8Array> {
  const f = getFile(path);
  if (!f) throw noSuchFile(path);
  return enc ? decoder.decode(f) : f;
}

export async function open(path: string, flags = 'r') {
  if (flags !== 'r') throw new Error(`cannot write ${path} from the browser page`);
  const f = getFile(path);
  if (!f) throw noSuchFile(path);
  return {
    async read(dst: Uint8Array, offset: number, length: number, position: number) {
      const chunk = f.subarray(position, Math.min(position + length, f.length));
      dst.set(chunk, offset);
      return { bytesRead: chunk.length, buffer: dst };
    },
    async stat() {
      return { size: f.length };
    },
    async close() {},
  };
}

export async function stat(path: string): Promise<{ size: number; isFile(): boolean; isDirectory(): boolean }> {
  const f = getFile(path);
  if (!f) throw noSuchFile(path);
  return { size: f.length, isFile: () => true, isDirectory: () => false };
}

const refuse = (what: string) => async (): Promise<never> => {
  throw new Error(`${what} is not available in the browser page (pick the files instead)`);
};
export const writeFile = refuse('writing files');
export const mkdir = refuse('making folders');
export const copyFile = refuse('copying files');
export const rename = refuse('renaming files');
export const rm = refuse('removing files');
export const symlink = refuse('linking files');
export default { readFile, open, stat, writeFile, mkdir, copyFile, rename, rm, symlink };
export const realpath = refuse('resolving links');
