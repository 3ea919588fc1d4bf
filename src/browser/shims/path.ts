/** node:path for the browser page (POSIX; the working directory is '/'). */
import { normalize as norm } from '../vfs.js';

export const sep = '/';
export const delimiter = ':';
export const isAbsolute = (p: string): boolean => p.startsWith('/');
export const normalize = (p: string): string => norm(p);
export const join = (...parts: string[]): string => {
  const j = parts.filter(Boolean).join('/');
  return isAbsolute(j) ? norm(j) : norm(j).slice(1) || '.';
};
export function resolve(...parts: string[]): string {
  let out = '/';
  for (const p of parts) if (p) out = isAbsolute(p) ? p : `${out}/${p}`;
  return norm(out);
}
export const dirname = (p: string): string => {
  const n = norm(p);
  return n.slice(0, n.lastIndexOf('/')) || '/';
};
export const basename = (p: string, ext = ''): string => {
  const b = norm(p).split('/').pop() ?? '';
  return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b;
};
export const extname = (p: string): string => {
  const b = basename(p);
  const i = b.lastIndexOf('.');
  return i > 0 ? b.slice(i) : '';
};
export function relative(from: string, to: string): string {
  const a = resolve(from).split('/').filter(Boolean);
  const b = resolve(to).split('/').filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
}
export const posix = { sep, delimiter, isAbsolute, normalize, join, resolve, dirname, basename, extname, relative };
export default posix;
