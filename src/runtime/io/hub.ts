/**
 * Model sources: a local folder, or a Hugging Face hub id downloaded into the hub's own cache layout (shared with
 * Python's huggingface_hub):
 *   {cache}/models--{org}--{name}/blobs/{etag}              file contents, named by etag (sha256 for LFS files)
 *   {cache}/models--{org}--{name}/snapshots/{commit}/{file} symlink (or copy) of the blob
 *   {cache}/models--{org}--{name}/refs/{revision}           the commit a branch or tag pointed at
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { CircuitspecError } from '../../errors.js';
import { HttpStatusError, blobHashMatches, blobLooksComplete, downloadBlob, headFile, type Progress } from './download.js';

export interface ResolveOptions {
  cacheDir?: string; // default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub
  endpoint?: string; // default $HF_ENDPOINT, else https://huggingface.co
  offline?: boolean; // default $HF_HUB_OFFLINE
  revision?: string; // default 'main'; an '@revision' in the source wins
  token?: string; // default $HF_TOKEN
  onProgress?: Progress;
  /** Told when a download is retried (a stall, a dropped connection); default: a line on stderr. */
  onRetry?: (message: string) => void;
  /** Re-hash cached files against their sha256 (a corrupted blob is downloaded again, or an error offline). */
  verify?: boolean;
}

export const REQUIRED_FILES = ['config.json', 'model.safetensors'];
export const OPTIONAL_FILES = ['tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer_config.json'];

const HUB_ID = /^(?:([A-Za-z0-9][\w.-]*)\/)?([A-Za-z0-9][\w.-]*)(?:@([\w.\/-]+))?$/;
const COMMIT = /^[0-9a-f]{40}$/;

export function hubCacheDir(): string {
  const env = process.env;
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

function envFlag(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** 'openai-community/gpt2-medium@main' → repo and revision; undefined when `source` cannot be a hub id. */
export function parseHubId(source: string): { repo: string; revision?: string } | undefined {
  const m = HUB_ID.exec(source);
  if (!m || source.includes('..')) return undefined;
  return { repo: m[1] ? `${m[1]}/${m[2]}` : m[2], revision: m[3] };
}

/**
 * An existing local folder is returned as is; a hub id resolves to its snapshot folder in the cache, downloading
 * what is missing (config.json and model.safetensors required; tokenizer files when the repo has them).
 */
export async function resolveModelSource(source: string, opts: ResolveOptions = {}): Promise<string> {
  if (existsSync(source)) {
    if (statSync(source).isDirectory()) return source;
    throw new CircuitspecError(`${source} is a file; a model source is a folder (config.json + model.safetensors) or a hub id`, { file: source });
  }
  const id = parseHubId(source);
  if (!id) throw new CircuitspecError(`'${source}' is neither an existing folder nor a Hugging Face hub id like 'gpt2' or 'openai-community/gpt2-medium'`, { file: source });
  const revision = id.revision ?? opts.revision ?? 'main';
  const cacheDir = opts.cacheDir ?? hubCacheDir();
  const repoDir = join(cacheDir, `models--${id.repo.replace('/', '--')}`);
  const offline = opts.offline ?? envFlag(process.env.HF_HUB_OFFLINE);
  if (offline) return fromCache(repoDir, id.repo, revision, 'offline mode (HF_HUB_OFFLINE)', opts.verify);

  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = opts.token ?? process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  let commit: string | undefined;
  for (const file of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
    // After the first file every request pins the commit, so the snapshot is one consistent revision.
    const url = `${endpoint}/${id.repo}/resolve/${encodeURIComponent(commit ?? revision)}/${file}`;
    let remote;
    try {
      remote = await headFile(url, token);
    } catch (e) {
      if (e instanceof HttpStatusError && e.status === 404) {
        if (OPTIONAL_FILES.includes(file)) continue;
        throw new CircuitspecError(`${id.repo}@${revision} has no ${file} (HTTP 404 for ${url}); circuitspec needs ${REQUIRED_FILES.join(' and ')}`, { file: url });
      }
      if (commit === undefined && !(e instanceof HttpStatusError)) {
        // The hub is unreachable: a complete cached snapshot still serves, as huggingface_hub does.
        try {
          return await fromCache(repoDir, id.repo, revision, 'the hub is unreachable', opts.verify);
        } catch {
          throw e;
        }
      }
      throw e;
    }
    if (commit === undefined) {
      commit = remote.commit;
      if (revision !== commit) await writeAtomic(join(repoDir, 'refs', revision), commit);
    }
    const blob = join(repoDir, 'blobs', remote.etag);
    if ((await blobLooksComplete(blob, remote.size)) && opts.verify && !(await blobHashMatches(blob, remote.etag))) {
      const say = opts.onRetry ?? ((m: string) => void process.stderr.write(`${m}\n`));
      say(`cached ${file} of ${id.repo} does not match its sha256 ${remote.etag}: downloading it again`);
      await rm(blob, { force: true });
    }
    if (!(await blobLooksComplete(blob, remote.size))) {
      await mkdir(dirname(blob), { recursive: true });
      const pinned = `${endpoint}/${id.repo}/resolve/${commit}/${file}`;
      await downloadBlob(pinned, blob, remote, { token, file, onProgress: opts.onProgress, onRetry: opts.onRetry });
    }
    await linkSnapshot(blob, join(repoDir, 'snapshots', commit, file));
  }
  return join(repoDir, 'snapshots', commit!);
}

async function fromCache(repoDir: string, repo: string, revision: string, why: string, verify = false): Promise<string> {
  let commit = revision;
  if (!COMMIT.test(revision)) {
    const ref = join(repoDir, 'refs', revision);
    try {
      commit = (await readFile(ref, 'utf8')).trim();
    } catch {
      throw new CircuitspecError(`${why}: ${repo}@${revision} is not in the cache (looked for ${ref}); run once with network access, or pass a local folder`, { file: ref });
    }
  }
  const snapshot = join(repoDir, 'snapshots', commit);
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(snapshot, f)));
  if (missing.length > 0) {
    throw new CircuitspecError(`${why}: the cached snapshot of ${repo}@${revision} lacks ${missing.join(' and ')} (looked in ${snapshot})`, { file: snapshot });
  }
  if (verify) {
    // A blob is named by its etag, the sha256 for LFS files: re-hash those (no network needed).
    for (const f of [...REQUIRED_FILES, ...OPTIONAL_FILES]) {
      const pointer = join(snapshot, f);
      if (!existsSync(pointer)) continue;
      const blob = await realpath(pointer);
      if (!(await blobHashMatches(blob, basename(blob)))) {
        throw new CircuitspecError(`${why}: the cached ${f} of ${repo} does not match its sha256 ${basename(blob)} (corrupted): delete it and run once with network access`, { file: blob });
      }
    }
  }
  return snapshot;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** snapshots/{commit}/{file} → blob: a relative symlink, or a copy where symlinks are not allowed (Windows). */
async function linkSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const tmp = `${pointer}.tmp-${process.pid}`;
  await rm(tmp, { force: true });
  try {
    await symlink(relative(dirname(pointer), blob), tmp);
  } catch {
    await copyFile(blob, tmp);
  }
  await rename(tmp, pointer);
}
