/** node:url, node:module, node:os, node:v8, node:worker_threads and node:child_process, as far as the page's code touches them. */
export const fileURLToPath = (u: string | URL): string => decodeURIComponent(String(u).replace(/^file:\/\//, ''));
export const pathToFileURL = (p: string): URL => new URL(`file://${p}`);
/** No packages to resolve in the page: resolve() fails, so Node-only paths (Dawn, bundled vocabularies) report absent. */
export function createRequire(): { resolve(id: string): string } & ((id: string) => never) {
  const req = ((id: string) => {
    throw new Error(`cannot load ${id} in the browser page`);
  }) as { resolve(id: string): string } & ((id: string) => never);
  req.resolve = (id: string) => {
    throw new Error(`cannot resolve ${id} in the browser page`);
  };
  return req;
}
export const homedir = (): string => '/';
export const tmpdir = (): string => '/tmp';
export function execFile(): never {
  throw new Error('no child processes in the browser page');
}
/** node:os's sizing calls: one worker in the page (specs run on the page's own thread). */
export const availableParallelism = (): number => 1;
export const freemem = (): number => 2 ** 31;
/** node:v8: the compiler's size check compares a plan with the heap; a page has about this much. */
export const getHeapStatistics = (): { heap_size_limit: number } => ({ heap_size_limit: 2 ** 32 });
/** node:worker_threads: no worker threads in the page. */
export const parentPort = null;
export const workerData = undefined;
export class Worker {
  constructor() {
    throw new Error('no worker threads in the browser page');
  }
}
export default { fileURLToPath, pathToFileURL, createRequire, homedir, tmpdir, execFile, availableParallelism, freemem, getHeapStatistics, Worker };
