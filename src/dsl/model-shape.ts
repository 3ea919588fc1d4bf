/**
 * The model's shape before any weights load, so a head outside the model is a compile error: `random:<name>` and
 * hub ids from the GPT-2 family's known shapes, folders from their config.json.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CircuitspecError } from '../errors.js';
import { configFromHF, NAMED_SHAPES, type HFConfigRecord } from '../runtime/model/config.js';
import type { ModelShape } from '../plan/types.js';
import { didYouMean } from './suggest.js';

export interface ResolvedModel {
  /** What the runtime loads: `random:…`, a hub id, or an absolute folder. */
  source: string;
  shape: ModelShape;
}

const HUB_PREFIXES = ['openai-community/', 'openai/'];

/** `baseDirs`: folders a relative folder path may be relative to, in order (the spec's folder, then cwd). */
export function resolveModel(source: string, baseDirs: string[]): ResolvedModel {
  if (source.startsWith('random:')) {
    const name = source.slice('random:'.length);
    const s = NAMED_SHAPES[name];
    if (!s) throw new CircuitspecError(`unknown random model shape '${name}'${didYouMean(name, Object.keys(NAMED_SHAPES))} (known: ${Object.keys(NAMED_SHAPES).join(', ')})`);
    return { source, shape: { nLayers: s.nLayers, nHeads: s.nHeads, dModel: s.dModel, dVocab: 50257, nCtx: s.nCtx ?? 1024 } };
  }
  const candidates = isAbsolute(source) ? [source] : baseDirs.map((d) => resolve(d, source));
  const folder = candidates.find((p) => existsSync(p) && statSync(p).isDirectory());
  if (folder) return { source: folder, shape: shapeFromFolder(folder) };
  const hubName = HUB_PREFIXES.reduce((s, p) => (s.startsWith(p) ? s.slice(p.length) : s), source);
  const s = NAMED_SHAPES[hubName];
  if (s && hubName !== 'tiny') return { source, shape: { nLayers: s.nLayers, nHeads: s.nHeads, dModel: s.dModel, dVocab: 50257, nCtx: s.nCtx ?? 1024 } };
  const looksLikePath = source.startsWith('.') || source.startsWith('/') || source.includes('\\');
  if (looksLikePath) throw new CircuitspecError(`model folder '${source}' does not exist (looked in ${candidates.join(', ')})`);
  const known = Object.keys(NAMED_SHAPES).filter((k) => k !== 'tiny');
  throw new CircuitspecError(
    `unknown model '${source}'${didYouMean(hubName, known)}: give a folder with config.json, a GPT-2 hub id (${known.join(', ')}) or random:<${Object.keys(NAMED_SHAPES).join('|')}>`,
  );
}

function shapeFromFolder(folder: string): ModelShape {
  const file = resolve(folder, 'config.json');
  let hf: HFConfigRecord;
  try {
    hf = JSON.parse(readFileSync(file, 'utf8')) as HFConfigRecord;
  } catch (e) {
    throw new CircuitspecError(`cannot read the model's config.json: ${(e as Error).message}`, { file });
  }
  const c = configFromHF(hf, file);
  return { nLayers: c.nLayers, nHeads: c.nHeads, dModel: c.dModel, dVocab: c.dVocab, nCtx: c.nCtx };
}
