/**
 * `model:` (one) or `models:` (several, by name) → the models a spec runs on, with `--model` overrides applied;
 * and which of them each task, metric and circuit runs on (`on:`, default every model).
 */
import { CircuitspecError } from '../../errors.js';
import type { ModelShape } from '../../plan/types.js';
import { resolveModel, type ResolvedModel } from '../model-shape.js';
import type { ModelSpec, Spec } from '../schema.js';
import { didYouMean } from '../suggest.js';
import type { LoadedYaml } from '../yaml.js';
import { isError } from './context.js';

export interface SpecModel {
  /** The name under `models:`; undefined for a spec's one `model:`. */
  name?: string;
  entry: ModelSpec;
  resolved: ResolvedModel;
  /** How errors name it. */
  label: string;
}

const PAIR = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * `--model SRC` replaces every model's source (a smoke run of a several-model spec on one small model);
 * `--model medium=SRC,large=SRC` replaces the named ones (several models only).
 */
function overrides(override: string | undefined, names: string[] | undefined): Map<string | undefined, string> {
  const out = new Map<string | undefined, string>();
  if (override === undefined) return out;
  if (!PAIR.test(override)) {
    for (const n of names ?? [undefined]) out.set(n, override);
    return out;
  }
  if (!names) throw new CircuitspecError(`--model ${override}: name=source picks one of a spec's models:, but this spec has one model: give --model <source>`, { field: 'model' });
  for (const pair of override.split(',')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(pair.trim());
    if (!m) throw new CircuitspecError(`--model: '${pair}' is not name=source (models: ${names.join(', ')})`, { field: 'model' });
    if (!names.includes(m[1])) throw new CircuitspecError(`--model: the spec has no model '${m[1]}'${didYouMean(m[1], names)} (models: ${names.join(', ')})`, { field: 'model' });
    out.set(m[1], m[2]);
  }
  return out;
}

export function specModels(yaml: LoadedYaml, spec: Spec, baseDir: string, override?: string): SpecModel[] {
  const blame = (path: (string | number)[], key = false) => (message: string) => {
    const r = yaml.at(path);
    return yaml.source.error(message, key ? (r?.key?.[0] ?? r?.value[0]) : r?.value[0], path.join('.'));
  };
  if (spec.model && spec.models) throw blame(['models'], true)('give model: (one model) or models: (several by name), not both');
  if (!spec.model && !spec.models) throw blame(['name'], true)("a spec needs model: (one model) or models: (several by name, e.g. models: {medium: {source: gpt2-medium}, large: {source: gpt2-large}})");
  const entries: [string | undefined, ModelSpec][] = spec.models ? Object.entries(spec.models) : [[undefined, spec.model!]];
  if (entries.length === 0) throw blame(['models'], true)('models: is empty: name at least one model');
  const names = spec.models ? entries.map(([n]) => n!) : undefined;
  const given = overrides(override, names);
  return entries.map(([name, entry]) => {
    const over = given.get(name);
    let resolved: ResolvedModel;
    try {
      resolved = over !== undefined ? resolveModel(over, [process.cwd()]) : resolveModel(entry.source, [baseDir, process.cwd()]);
    } catch (e) {
      if (!isError(e) || over !== undefined) throw e;
      throw blame(name === undefined ? ['model', 'source'] : ['models', name, 'source'])(e.message);
    }
    return { name, entry: over !== undefined ? { ...entry, source: over } : entry, resolved, label: name === undefined ? (over ?? entry.source) : `${name} (${over ?? entry.source})` };
  });
}

/** The models a declaration runs on: its `on:` (checked against the spec's models), else every model. */
export function onModels(on: string | string[] | undefined, models: SpecModel[], blame: (message: string) => CircuitspecError): (string | undefined)[] {
  const names = models.map((m) => m.name);
  if (on === undefined) return names;
  if (names[0] === undefined) throw blame("on: picks among a spec's models:, but this spec has one model:");
  const list = typeof on === 'string' ? [on] : on;
  for (const n of list) {
    if (!names.includes(n)) throw blame(`unknown model '${n}'${didYouMean(n, names as string[])} (models: ${names.join(', ')})`);
  }
  return names.filter((n) => list.includes(n!));
}

/** The largest of each dimension: literal heads in a claim across models must exist in at least one of them. */
export function widestShape(shapes: ModelShape[]): ModelShape {
  const max = (k: keyof ModelShape) => Math.max(...shapes.map((s) => s[k]));
  return { nLayers: max('nLayers'), nHeads: max('nHeads'), dModel: max('dModel'), dVocab: max('dVocab'), nCtx: max('nCtx') };
}
