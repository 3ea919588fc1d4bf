/**
 * HTTP side of the hub cache: HEAD for a file's commit / etag / size, and a resumable, verified GET into
 * `blobs/{etag}.incomplete`, renamed to `blobs/{etag}` only once its size (and sha256, for LFS files) check out.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { CircuitspecError } from '../../errors.js';
import { sha256File } from './hash.js';

export interface RemoteFile {
  commit: string;
  etag: string;
  /** Bytes, when the server says. */
  size?: number;
}

export type Progress = (p: { file: string; bytes: number; total?: number }) => void;

/** Attempts per file; each one resumes where the last stopped. */
const MAX_ATTEMPTS = 5;
/**
 * A connection that sends nothing for this long is dropped and resumed (otherwise a stalled transfer waits for the
 * OS's ~300 s TCP timeout, silently). CIRCUITSPEC_STALL_TIMEOUT_S overrides it.
 */
export function stallTimeoutMs(): number {
  const v = Number(process.env.CIRCUITSPEC_STALL_TIMEOUT_S);
  return Number.isFinite(v) && v > 0 ? v * 1000 : 30_000;
}

export interface DownloadOptions {
  token?: string;
  file: string;
  onProgress?: Progress;
  /** Told about each retry (default: a line on stderr). */
  onRetry?: (message: string) => void;
}
const SHA256 = /^[0-9a-f]{64}$/;

export class HttpStatusError extends CircuitspecError {
  constructor(readonly status: number, url: string, hint = '') {
    super(`HTTP ${status} for ${url}${hint}`, { file: url });
  }
}

function headers(token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { 'Accept-Encoding': 'identity', 'User-Agent': 'circuitspec', ...extra };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
    throw new CircuitspecError(`cannot reach ${url}: ${cause}`, { file: url });
  }
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return ' (private or gated repository: set HF_TOKEN to a token with access)';
  if (status === 404) return ' (no such repository, revision or file)';
  return '';
}

/**
 * HEAD with redirects off: the hub answers a large (LFS) file with a redirect to its CDN, carrying X-Linked-Etag
 * and X-Linked-Size; a renamed repository answers with a relative redirect, which is followed.
 */
export async function headFile(url: string, token: string | undefined): Promise<RemoteFile> {
  for (let hops = 0; hops < 5; hops++) {
    const res = await request(url, { method: 'HEAD', redirect: 'manual', headers: headers(token) });
    const h = res.headers;
    const location = h.get('location');
    if (res.status >= 300 && res.status < 400 && !h.get('x-repo-commit') && location) {
      const next = new URL(location, url);
      if (next.origin === new URL(url).origin) {
        url = next.href;
        continue;
      }
    }
    if (res.status >= 400) throw new HttpStatusError(res.status, url, statusHint(res.status));
    const commit = h.get('x-repo-commit');
    const rawEtag = h.get('x-linked-etag') ?? h.get('etag');
    if (!commit) throw new CircuitspecError(`the server sent no X-Repo-Commit header for ${url} (is HF_ENDPOINT a Hugging Face hub?)`, { file: url });
    if (!rawEtag) throw new CircuitspecError(`the server sent no ETag for ${url}`, { file: url });
    const etag = rawEtag.replace(/^W\//, '').replace(/^"|"$/g, '');
    if (!/^[\w.-]+$/.test(etag) || !/^[\w.-]+$/.test(commit)) throw new CircuitspecError(`unusable commit/etag '${commit}' / '${etag}' from ${url}`, { file: url });
    const sizeHeader = h.get('x-linked-size') ?? h.get('content-length');
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
    return { commit, etag, size };
  }
  throw new CircuitspecError(`too many redirects for ${url}`, { file: url });
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Downloads `url` to `dest` atomically (via `dest.incomplete`), resuming a partial file, then verifies it. */
export async function downloadBlob(url: string, dest: string, remote: RemoteFile, opts: DownloadOptions): Promise<void> {
  const onRetry = opts.onRetry ?? ((m: string) => void process.stderr.write(`${m}\n`));
  const partial = `${dest}.incomplete`;
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await fileSize(partial);
    try {
      await fetchInto(url, partial, remote.size, opts);
      lastError = undefined;
      break;
    } catch (e) {
      if (e instanceof HttpStatusError) throw e;
      lastError = e;
      const now = await fileSize(partial);
      if (now <= before && attempt > 0) break; // no progress twice: give up
      if (attempt + 1 < MAX_ATTEMPTS) onRetry(`download of ${opts.file}: ${(e as Error).message}; resuming at byte ${now} (attempt ${attempt + 2} of ${MAX_ATTEMPTS})`);
    }
  }
  if (lastError) {
    const msg = lastError instanceof Error ? lastError.message : String(lastError);
    throw new CircuitspecError(`download of ${opts.file} failed (${msg}); the partial file ${partial} is kept and the next run resumes it`, { file: url });
  }
  await verify(partial, remote, opts.file);
  await rename(partial, dest);
}

async function fetchInto(url: string, partial: string, size: number | undefined, opts: DownloadOptions): Promise<void> {
  const stall = new StallGuard(stallTimeoutMs());
  try {
    await fetchGuarded(url, partial, size, opts, stall);
  } catch (e) {
    if (stall.fired) throw new Error(`no data for ${stall.ms / 1000} s (stalled connection)`);
    throw e;
  } finally {
    stall.stop();
  }
}

/** Aborts the request when no byte arrives for `ms`; every chunk re-arms it. */
class StallGuard {
  readonly controller = new AbortController();
  fired = false;
  private timer: NodeJS.Timeout | undefined;
  constructor(readonly ms: number) {
    this.arm();
  }
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

async function fetchGuarded(url: string, partial: string, size: number | undefined, opts: DownloadOptions, stall: StallGuard): Promise<void> {
  const signal = stall.controller.signal;
  let have = await fileSize(partial);
  if (size !== undefined && have > size) {
    await rm(partial, { force: true }); // larger than the file can be: not ours to resume
    have = 0;
  }
  if (size !== undefined && have === size) return;
  const range = have > 0 ? { Range: `bytes=${have}-` } : undefined;
  let res = await request(url, { method: 'GET', redirect: 'follow', headers: headers(opts.token, range), signal });
  if (res.status === 416 && have > 0) {
    await res.body?.cancel();
    await rm(partial, { force: true });
    have = 0;
    res = await request(url, { method: 'GET', redirect: 'follow', headers: headers(opts.token), signal });
  }
  if (!res.ok) throw new HttpStatusError(res.status, url, statusHint(res.status));
  if (have > 0 && (res.status !== 206 || !rangeStartsAt(res.headers.get('content-range'), have))) have = 0; // Range ignored: start over
  const fh = await open(partial, have > 0 ? 'a' : 'w');
  let bytes = have;
  try {
    opts.onProgress?.({ file: opts.file, bytes, total: size });
    if (res.body) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        stall.arm();
        await fh.write(chunk);
        bytes += chunk.length;
        opts.onProgress?.({ file: opts.file, bytes, total: size });
      }
    }
  } finally {
    await fh.close();
  }
}

function rangeStartsAt(contentRange: string | null, start: number): boolean {
  if (contentRange === null) return true; // 206 without Content-Range: trust the status
  const m = /^bytes (\d+)-/.exec(contentRange);
  return m !== null && Number(m[1]) === start;
}

async function verify(partial: string, remote: RemoteFile, file: string): Promise<void> {
  const got = await fileSize(partial);
  if (remote.size !== undefined && got !== remote.size) {
    await rm(partial, { force: true });
    throw new CircuitspecError(`downloaded ${file} has ${got} bytes, expected ${remote.size}; removed it`, { file });
  }
  if (SHA256.test(remote.etag)) {
    const sha = await sha256File(partial);
    if (sha !== remote.etag) {
      await rm(partial, { force: true });
      throw new CircuitspecError(`downloaded ${file} has sha256 ${sha}, expected ${remote.etag}; removed it (corrupt transfer or tampered mirror)`, { file });
    }
  }
}

/**
 * Re-hashes a cached blob whose name is its sha256 (LFS files): false when the bytes no longer match (a disk error,
 * an edit), so the caller downloads it again. `circuitspec run --verify` does this for every cached file.
 */
export async function blobHashMatches(path: string, etag: string): Promise<boolean> {
  if (!SHA256.test(etag)) return true;
  return (await sha256File(path)) === etag;
}

/** True when a cached blob has the expected size (a cheap check; its hash was verified when it was written). */
export async function blobLooksComplete(path: string, size: number | undefined): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile() && (size === undefined || s.size === size);
  } catch {
    return false;
  }
}
