/**
 * The browser page's file system: the files the user picked (and circuitspec's own data/), in memory. The
 * node:fs / node:path shims read it, so the compiler, tokenizer, checkpoint and task readers run unchanged.
 * Nothing here leaves the page.
 */
const files = new Map<string, Uint8Array>();
const encoder = new TextEncoder();

/** POSIX-normalised absolute path ('/a/./b/../c' → '/a/c'). */
export function normalize(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

export function putFile(path: string, data: Uint8Array | string): void {
  files.set(normalize(path), typeof data === 'string' ? encoder.encode(data) : data);
}

let byName: string | undefined;

/** Under `dir`, a path that names no picked file falls back to the picked file of that name in `dir` itself. */
export function matchByName(dir: string): void {
  byName = normalize(dir);
}

export function getFile(path: string): Uint8Array | undefined {
  const p = normalize(path);
  const f = files.get(p);
  if (f || !byName || !p.startsWith(`${byName}/`)) return f;
  return files.get(`${byName}/${p.slice(p.lastIndexOf('/') + 1)}`);
}

export function isDir(path: string): boolean {
  const p = normalize(path);
  const prefix = p === '/' ? '/' : `${p}/`;
  for (const k of files.keys()) if (k.startsWith(prefix)) return true;
  return false;
}

/** Drop every file under `dir` (a new pick replaces the old one). */
export function clearDir(dir: string): void {
  const prefix = `${normalize(dir)}/`;
  for (const k of [...files.keys()]) if (k.startsWith(prefix)) files.delete(k);
}

export function noSuchFile(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file (not picked): ${path}`), { code: 'ENOENT' });
}
