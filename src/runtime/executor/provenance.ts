/** Where a result came from: package version, node, platform. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../util/paths.js';

let version: string | undefined;

export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

export function environment(): { node: string; platform: string } {
  return { node: process.version, platform: `${process.platform}-${process.arch}` };
}

let commit: string | null | undefined;

/** The checkout's HEAD commit read from .git (no git process; a worktree's `.git` file is followed), else null. */
export function gitCommit(): string | null {
  if (commit !== undefined) return commit;
  commit = null;
  try {
    let gitDir = join(packageRoot(), '.git');
    if (statSync(gitDir).isFile()) gitDir = resolve(packageRoot(), readFileSync(gitDir, 'utf8').replace(/^gitdir:\s*/, '').trim());
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return (commit = head);
    const ref = head.replace(/^ref:\s*/, '');
    // A worktree keeps HEAD in its own folder and refs in the main repository's (named by `commondir`).
    const common = existsSync(join(gitDir, 'commondir')) ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      if (existsSync(join(dir, ref))) return (commit = readFileSync(join(dir, ref), 'utf8').trim());
    }
    const packed = existsSync(join(common, 'packed-refs')) ? readFileSync(join(common, 'packed-refs'), 'utf8') : '';
    commit = packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
  } catch {
    commit = null;
  }
  return commit;
}
