// Hub downloads against a fake hub served from this test (nothing here can reach huggingface.co).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../../src/errors.js';
import { openGPT2Checkpoint, readHFConfig } from '../../../src/runtime/io/checkpoint.js';
import { parseHubId, resolveModelSource } from '../../../src/runtime/io/hub.js';

const REPO = 'test-org/tiny-gpt2';
const COMMIT = 'a'.repeat(32) + '12345678';
const FILES: Record<string, Buffer> = {
  'config.json': readFileSync('fixtures/tiny-gpt2/config.json'),
  'model.safetensors': readFileSync('fixtures/tiny-gpt2/model.safetensors'),
  'tokenizer_config.json': Buffer.from('{"model_max_length": 64}'),
};
const LFS = 'model.safetensors';
const MODEL = FILES[LFS];
const SHA = createHash('sha256').update(MODEL).digest('hex');
const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

/** What the fake hub does next; reset before each test. */
interface Behaviour {
  /** Destroy the socket after this many body bytes of the next LFS GET (once). */
  interruptAfter?: number;
  /** Send this many body bytes of the next LFS GET, then nothing (the connection stays open: a stall). */
  stallAfter?: number;
  ignoreRange?: boolean;
  wrongSha?: boolean;
  missing: Set<string>;
}
let behaviour: Behaviour;
const log: { method: string; url: string; range?: string; auth?: string }[] = [];

function serve(req: IncomingMessage, res: ServerResponse): void {
  log.push({ method: req.method!, url: req.url!, range: req.headers.range, auth: req.headers.authorization });
  const url = new URL(req.url!, 'http://x');
  if (url.pathname === `/cdn/${SHA}`) return serveLfs(req, res);
  const m = /^\/(.+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (m && m[1] === 'old-org/tiny') {
    // A renamed repository: the hub answers with a relative redirect to the new name.
    res.writeHead(307, { Location: `/${REPO}/resolve/${m[2]}/${m[3]}` }).end();
    return;
  }
  const rev = m ? decodeURIComponent(m[2]) : '';
  if (!m || m[1] !== REPO || !(rev === 'main' || rev === COMMIT) || !(m[3] in FILES) || behaviour.missing.has(m[3])) {
    res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
    return;
  }
  const file = m[3];
  if (file === LFS) {
    // Like the hub: LFS files redirect to a CDN; the etag is the sha256 of the content.
    const etag = behaviour.wrongSha ? 'f'.repeat(64) : SHA;
    res.writeHead(302, { Location: `/cdn/${SHA}`, 'X-Repo-Commit': COMMIT, 'X-Linked-Etag': `"${etag}"`, 'X-Linked-Size': String(MODEL.length), ETag: '"cdn"' }).end();
    return;
  }
  const body = FILES[file];
  res.writeHead(200, { 'X-Repo-Commit': COMMIT, ETag: `"${gitSha1(body)}"`, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function serveLfs(req: IncomingMessage, res: ServerResponse): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range && !behaviour.ignoreRange ? Number(range[1]) : 0;
  const body = MODEL.subarray(start);
  const headers: Record<string, string> = { 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' };
  if (start > 0) headers['Content-Range'] = `bytes ${start}-${MODEL.length - 1}/${MODEL.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  if (req.method === 'HEAD') return void res.end();
  const stall = behaviour.stallAfter;
  if (stall !== undefined) {
    behaviour.stallAfter = undefined;
    res.write(body.subarray(0, stall));
    return;
  }
  const cut = behaviour.interruptAfter;
  if (cut !== undefined) {
    behaviour.interruptAfter = undefined;
    res.write(body.subarray(0, cut), () => setTimeout(() => req.socket.destroy(), 20));
    return;
  }
  res.end(body);
}

let server: Server;
let endpoint: string;
let root: string;
let cacheDir: string;
let restoreEnv: () => void;

beforeAll(async () => {
  // The machine's own HF settings must not leak into these tests.
  restoreEnv = setEnv({ HF_HUB_OFFLINE: undefined, HF_TOKEN: undefined, HUGGING_FACE_HUB_TOKEN: undefined, HF_ENDPOINT: undefined, HF_HUB_CACHE: undefined, HF_HOME: undefined });
  root = mkdtempSync(join(tmpdir(), 'circuitspec-hub-'));
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  restoreEnv();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
beforeEach(() => {
  behaviour = { missing: new Set() };
  log.length = 0;
  cacheDir = join(root, `cache${n++}`);
});

/** Sets (or, for undefined, unsets) environment variables; returns a function that restores them. */
function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  return () => apply(saved);
}

const repoDir = () => join(cacheDir, 'models--test-org--tiny-gpt2');
const snapshot = () => join(repoDir(), 'snapshots', COMMIT);
const gets = () => log.filter((r) => r.method === 'GET');

describe('parseHubId', () => {
  it('reads ids with and without org and revision', () => {
    expect(parseHubId('gpt2')).toEqual({ repo: 'gpt2', revision: undefined });
    expect(parseHubId('openai-community/gpt2-medium')).toEqual({ repo: 'openai-community/gpt2-medium', revision: undefined });
    expect(parseHubId('openai-community/gpt2-medium@v1.0')).toEqual({ repo: 'openai-community/gpt2-medium', revision: 'v1.0' });
    expect(parseHubId('./models/x')).toBeUndefined();
    expect(parseHubId('a/b/c')).toBeUndefined();
    expect(parseHubId('random:gpt2')).toBeUndefined();
  });
});

describe('resolveModelSource', () => {
  it('returns an existing local folder as is, and rejects what is neither folder nor hub id', async () => {
    expect(await resolveModelSource('fixtures/tiny-gpt2')).toBe('fixtures/tiny-gpt2');
    await expect(resolveModelSource('./no/such/folder')).rejects.toThrow(/neither an existing folder nor a Hugging Face hub id/);
    await expect(resolveModelSource('fixtures/tiny-gpt2/config.json')).rejects.toThrow(/is a file/);
  });

  it('downloads into the HF cache layout, honouring HF_HOME, HF_ENDPOINT and HF_TOKEN', async () => {
    const restore = setEnv({ HF_HOME: join(cacheDir, 'home'), HF_ENDPOINT: endpoint, HF_TOKEN: 'hf_secret', HF_HUB_CACHE: undefined, HF_HUB_OFFLINE: undefined });
    try {
      const progress: { file: string; bytes: number; total?: number }[] = [];
      const dir = await resolveModelSource(`${REPO}@main`, { onProgress: (p) => progress.push(p) });
      const repo = join(cacheDir, 'home', 'hub', 'models--test-org--tiny-gpt2');
      expect(dir).toBe(join(repo, 'snapshots', COMMIT));
      expect(readFileSync(join(repo, 'refs', 'main'), 'utf8')).toBe(COMMIT);
      expect(readFileSync(join(repo, 'blobs', SHA)).equals(MODEL)).toBe(true);
      expect(lstatSync(join(dir, LFS)).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(dir, LFS))).toBe(join('..', '..', 'blobs', SHA));
      for (const f of Object.keys(FILES)) expect(readFileSync(join(dir, f)).equals(FILES[f])).toBe(true);
      expect(existsSync(join(dir, 'vocab.json'))).toBe(false); // optional, 404 on the hub
      expect(progress.filter((p) => p.file === LFS).at(-1)).toEqual({ file: LFS, bytes: MODEL.length, total: MODEL.length });
      expect(log.every((r) => r.auth === 'Bearer hf_secret' || r.url.startsWith('/cdn/'))).toBe(true);
      // After the first HEAD, requests pin the commit.
      expect(log.filter((r) => r.url.includes('/resolve/main/')).length).toBe(1);

      const ckpt = await openGPT2Checkpoint(dir, await readHFConfig(dir));
      expect(ckpt.weightHash).toBe(SHA);
      await ckpt.close();

      log.length = 0;
      expect(await resolveModelSource(REPO)).toBe(dir); // cached: HEADs only
      expect(gets()).toEqual([]);
    } finally {
      restore();
    }
  });

  it('resumes an interrupted download with a Range request', async () => {
    behaviour.interruptAfter = 100_000;
    const dir = await resolveModelSource(REPO, { cacheDir, endpoint });
    expect(readFileSync(join(dir, LFS)).equals(MODEL)).toBe(true);
    const lfs = gets().filter((r) => r.url.startsWith('/cdn/'));
    expect(lfs.map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
    expect(existsSync(join(repoDir(), 'blobs', `${SHA}.incomplete`))).toBe(false);
  });

  it('drops a stalled connection after the stall timeout, says so, and resumes', async () => {
    behaviour.stallAfter = 100_000;
    const restore = setEnv({ CIRCUITSPEC_STALL_TIMEOUT_S: '0.3' });
    const said: string[] = [];
    try {
      const t0 = performance.now();
      const dir = await resolveModelSource(REPO, { cacheDir, endpoint, onRetry: (m) => said.push(m) });
      expect(readFileSync(join(dir, LFS)).equals(MODEL)).toBe(true);
      expect(performance.now() - t0).toBeLessThan(10_000);
    } finally {
      restore();
    }
    expect(gets().filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
    expect(said).toEqual([`download of ${LFS}: no data for 0.3 s (stalled connection); resuming at byte 100000 (attempt 2 of 5)`]);
  });

  it('--verify re-hashes a cached blob: a corrupted one is downloaded again (online) or refused (offline)', async () => {
    const dir = await resolveModelSource(REPO, { cacheDir, endpoint });
    const blob = join(repoDir(), 'blobs', SHA);
    const bad = Buffer.from(MODEL);
    bad[1000] ^= 0xff; // same size: the cheap size check cannot see it
    writeFileSync(blob, bad);
    const offline = await resolveModelSource(REPO, { cacheDir, offline: true, verify: true }).catch((e) => e);
    expect(offline).toBeInstanceOf(CircuitspecError);
    expect(offline.message).toMatch(new RegExp(`the cached ${LFS} of test-org/tiny-gpt2 does not match its sha256 ${SHA} \\(corrupted\\)`));
    log.length = 0;
    expect(await resolveModelSource(REPO, { cacheDir, endpoint, verify: true })).toBe(dir);
    expect(readFileSync(join(dir, LFS)).equals(MODEL)).toBe(true);
    expect(gets().filter((r) => r.url.startsWith('/cdn/'))).toHaveLength(1);
  });

  it('restarts cleanly when the server ignores Range', async () => {
    behaviour.interruptAfter = 50_000;
    behaviour.ignoreRange = true;
    const dir = await resolveModelSource(REPO, { cacheDir, endpoint });
    expect(readFileSync(join(dir, LFS)).equals(MODEL)).toBe(true);
    expect(gets().filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range)).toEqual([undefined, 'bytes=50000-']);
  });

  it('restarts when a partial file is larger than the file', async () => {
    mkdirSync(join(repoDir(), 'blobs'), { recursive: true });
    writeFileSync(join(repoDir(), 'blobs', `${SHA}.incomplete`), Buffer.alloc(MODEL.length + 10, 7));
    const dir = await resolveModelSource(REPO, { cacheDir, endpoint });
    expect(readFileSync(join(dir, LFS)).equals(MODEL)).toBe(true);
    expect(gets().filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range)).toEqual([undefined]);
  });

  it('rejects a sha256 mismatch and leaves nothing in the snapshot', async () => {
    behaviour.wrongSha = true;
    const err = await resolveModelSource(REPO, { cacheDir, endpoint }).catch((e) => e);
    expect(err).toBeInstanceOf(CircuitspecError);
    expect(err.message).toMatch(/sha256 [0-9a-f]{64}, expected f{64}/);
    expect(existsSync(join(snapshot(), LFS))).toBe(false);
    expect(existsSync(join(repoDir(), 'blobs', 'f'.repeat(64)))).toBe(false);
    expect(existsSync(join(repoDir(), 'blobs', `${'f'.repeat(64)}.incomplete`))).toBe(false);
  });

  it('serves from the cache offline, and says what is missing where', async () => {
    const dir = await resolveModelSource(REPO, { cacheDir, endpoint });
    log.length = 0;
    expect(await resolveModelSource(REPO, { cacheDir, endpoint, offline: true })).toBe(dir);
    const restore = setEnv({ HF_HUB_OFFLINE: '1' });
    try {
      expect(await resolveModelSource(REPO, { cacheDir, endpoint })).toBe(dir);
      const miss = await resolveModelSource('test-org/other', { cacheDir, endpoint }).catch((e) => e);
      expect(miss).toBeInstanceOf(CircuitspecError);
      expect(miss.message).toContain('offline');
      expect(miss.message).toContain(join(cacheDir, 'models--test-org--other', 'refs', 'main'));
    } finally {
      restore();
    }
    expect(log).toEqual([]);
    rmSync(join(dir, LFS));
    await expect(resolveModelSource(REPO, { cacheDir, offline: true })).rejects.toThrow(/lacks model.safetensors \(looked in .*snapshots/);
  });

  it('falls back to a complete cached snapshot when the hub is unreachable', async () => {
    const dir = await resolveModelSource(REPO, { cacheDir, endpoint });
    expect(await resolveModelSource(REPO, { cacheDir, endpoint: 'http://127.0.0.1:9' })).toBe(dir);
    await expect(resolveModelSource('test-org/other', { cacheDir, endpoint: 'http://127.0.0.1:9' })).rejects.toThrow(/cannot reach/);
  });

  it('follows a renamed repository and honours HF_HUB_CACHE', async () => {
    const restore = setEnv({ HF_HUB_CACHE: cacheDir });
    try {
      const dir = await resolveModelSource('old-org/tiny', { endpoint });
      expect(dir).toBe(join(cacheDir, 'models--old-org--tiny', 'snapshots', COMMIT));
      expect(readFileSync(join(dir, LFS)).equals(MODEL)).toBe(true);
    } finally {
      restore();
    }
  });

  it('fails clearly on a 404 for a required file', async () => {
    behaviour.missing.add(LFS);
    await expect(resolveModelSource(REPO, { cacheDir, endpoint })).rejects.toThrow(/has no model.safetensors \(HTTP 404/);
    await expect(resolveModelSource('test-org/nope', { cacheDir, endpoint })).rejects.toThrow(/has no config.json \(HTTP 404/);
  });
});
