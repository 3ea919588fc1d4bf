/** node:url, node:module, node:os and node:child_process, as far as code reachable from the page touches them. */
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
export default { fileURLToPath, pathToFileURL, createRequire, homedir, tmpdir, execFile };
