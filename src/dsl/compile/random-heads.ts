/**
 * `heads: random(3, from=layers 8..13 heads *, exclude={11.6, 11.7, 12.15}, samples=20, seed=1)`: an intervention
 * as a random control, applied to `samples` random sets of k heads. The sets are drawn here, at compile time, so
 * the plan names every head and they cannot depend on batches or workers.
 */
import type { Expr } from '../expr/ast.js';
import type { ExprOrigin } from '../expr/index.js';
import { deriveSeed, makeRng } from '../../runtime/util/rng.js';
import type { Head, ModelShape } from '../../plan/types.js';
import { selectHeads, sortHeads } from './heads.js';

export interface RandomHeads { k: number; pool: Head[]; samples: number; seed: number }

const PARAMS = ['k', 'from', 'exclude', 'samples', 'seed'];
/** More samples than this is a plan of runs nobody meant. */
export const MAX_SAMPLES = 1000;

export const isRandomHeads = (e: Expr): e is Extract<Expr, { type: 'call' }> => e.type === 'call' && e.fn === 'random';

/** random(…)'s arguments, checked against the model; `defaultSeed` when no seed= is given. */
export function parseRandomHeads(e: Extract<Expr, { type: 'call' }>, shape: ModelShape, origin: ExprOrigin, modelLabel: string, defaultSeed: number): RandomHeads {
  const args = new Map<string, Expr>();
  let pos = 0;
  for (const a of e.args) {
    const name = a.name ?? PARAMS[pos++];
    const off = a.value.at?.start ?? 0;
    if (!name || !PARAMS.includes(name)) throw origin.error(`random() has no argument '${name ?? a.name}' (arguments: k, from, exclude, samples, seed)`, off);
    if (args.has(name)) throw origin.error(`argument '${name}' given twice`, off);
    args.set(name, a.value);
  }
  const whole = (name: string, min: number, max: number): number | undefined => {
    const x = args.get(name);
    if (!x) return undefined;
    if (x.type !== 'number' || x.percent || !Number.isInteger(x.value) || x.value < min || x.value > max) {
      throw origin.error(`random(): ${name} must be a whole number from ${min} to ${max}`, x.at?.start ?? 0);
    }
    return x.value;
  };
  const heads = (name: string): Head[] | undefined => {
    const x = args.get(name);
    if (!x) return undefined;
    const sel = selectHeads(x, shape, origin, modelLabel);
    if (sel.names.length) throw origin.error(`'${sel.names[0].name}' is not a head: random() takes literal heads and ranges`, sel.names[0].offset);
    return sel.heads;
  };
  const k = whole('k', 1, shape.nLayers * shape.nHeads);
  if (k === undefined) throw origin.error('random() needs k, the number of heads in each set: random(3, samples=20)', e.at?.start ?? 0);
  const samples = whole('samples', 2, MAX_SAMPLES);
  if (samples === undefined) throw origin.error('random() needs samples=N, the number of random head sets (at least 2, for a standard deviation)', e.at?.start ?? 0);
  const seed = whole('seed', 0, Number.MAX_SAFE_INTEGER) ?? defaultSeed;
  const from = heads('from') ?? selectHeads({ type: 'range', layers: '*', heads: '*' }, shape, origin, modelLabel).heads;
  const excluded = new Set((heads('exclude') ?? []).map((h) => `${h.layer}.${h.head}`));
  const pool = from.filter((h) => !excluded.has(`${h.layer}.${h.head}`));
  const where = args.get('from')?.at?.start ?? e.at?.start ?? 0;
  if (pool.length < k) throw origin.error(`random(): ${pool.length} heads remain to draw from (after exclude), fewer than k = ${k}`, where);
  if (binomial(pool.length, k) < samples) {
    throw origin.error(`random(): only ${binomial(pool.length, k)} different sets of ${k} among ${pool.length} heads, fewer than samples = ${samples}`, where);
  }
  return { k, pool, samples, seed };
}

/** C(n, k), saturating far above any sample count. */
function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) {
    c = (c * (n - i)) / (i + 1);
    if (c > 1e12) return Infinity;
  }
  return Math.round(c);
}

/**
 * `samples` different sets of k distinct heads from the pool, each sorted. Sample s draws from its own seeded
 * stream (deriveSeed(seed, s)), redrawing from it only when its set repeats an earlier sample's.
 */
export function drawHeadSets(r: RandomHeads): Head[][] {
  const seen = new Set<string>();
  const out: Head[][] = [];
  for (let s = 0; s < r.samples; s++) {
    const rng = makeRng(deriveSeed(r.seed, `random-heads:${s}`));
    for (;;) {
      const set = sortHeads(rng.sample(r.pool, r.k));
      const key = set.map((h) => `${h.layer}.${h.head}`).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(set);
      break;
    }
  }
  return out;
}
