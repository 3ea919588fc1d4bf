/** node:fs for the browser page: reads of the in-memory files (vfs.ts); writes are not part of a page run. */
import { getFile, isDir, noSuchFile, normalize } from '../vfs.js';
import * as promises from './fs-promises.js';

const decoder = new TextDecoder();
const fds = new Map<number, Uint8Array>();
let nextFd = 3;

function read(path: string): Uint8Array {
  const f = getFile(path);
  if (!f) throw noSuchFile(path);
  return f;
}

export function existsSync(path: string): boolean {
  return getFile(path) !== undefined || isDir(path);
}

export function statSync(path: string): { isDirectory(): boolean; isFile(): boolean; size: number } {
  const f = getFile(path);
  if (!f && !isDir(path)) throw noSuchFile(path);
  return { isDirectory: () => !f, isFile: () => !!f, size: f?.length ?? 0 };
}

export function readFileSync(path: string, enc?: string | { encoding?: string }): string | Uint8Array {
  const data = read(path);
  return enc ? decoder.decode(data) : data;
}

export function openSync(path: string): number {
  const fd = nextFd++;
  fds.set(fd, read(path));
  return fd;
}

export function fstatSync(fd: number): { size: number } {
  return { size: fds.get(fd)?.length ?? 0 };
}

export function readSync(fd: number, dst: Uint8Array, offset: number, length: number, position: number): number {
  const f = fds.get(fd);
  if (!f) throw new Error(`EBADF: ${fd}`);
  const chunk = f.subarray(position, Math.min(position + length, f.length));
  dst.set(chunk, offset);
  return chunk.length;
}

export function closeSync(fd: number): void {
  fds.delete(fd);
}

/** Enough of a ReadStream for hashing: 'data' chunks, then 'end'. */
export function createReadStream(path: string, opts: { highWaterMark?: number } = {}) {
  const handlers: Record<string, ((x?: unknown) => void)[]> = {};
  const stream = {
    on(ev: string, f: (x?: unknown) => void) {
      (handlers[ev] ??= []).push(f);
      return stream;
    },
  };
  setTimeout(() => {
    const f = getFile(path);
    if (!f) return handlers.error?.forEach((h) => h(noSuchFile(normalize(path))));
    const step = opts.highWaterMark ?? 1 << 20;
    for (let i = 0; i < f.length; i += step) handlers.data?.forEach((h) => h(f.subarray(i, i + step)));
    handlers.end?.forEach((h) => h());
  }, 0);
  return stream;
}

export { promises };
export default { existsSync, statSync, readFileSync, openSync, fstatSync, readSync, closeSync, createReadStream, promises };
