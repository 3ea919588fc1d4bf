/**
 * `random:<name>` weights: exactly that model's shapes, seeded GPT-2 init — N(0, 0.02), residual-writing
 * projections (attn c_proj, mlp c_proj) scaled by 1/sqrt(2·nLayers), biases 0, LayerNorm weight 1 bias 0.
 * Filled as Float32Arrays with the project's RNG, one tensor at a time; the unembedding is tied to wte.
 */
import { makeRng, deriveSeed } from '../util/rng.js';
import type { ModelConfig } from './config.js';
import type { WeightSource } from './weights.js';

/** A key → values source for weightsFromSource. Each key has its own seeded stream (order-independent). */
export function randomWeightSource(c: ModelConfig, seed: number): WeightSource {
  const d = c.dModel;
  const std = 0.02;
  const residStd = std / Math.sqrt(2 * c.nLayers);
  const normal = (key: string, n: number, s: number): Float32Array => fillNormal(new Float32Array(n), deriveSeed(seed, key), s);
  let wte: Float32Array | undefined; // kept until lm_head (tied) asks for it, so it is drawn once
  return (key) => {
    if (key === 'lm_head.weight') {
      const w = wte ?? normal('wte.weight', c.dVocab * d, std);
      wte = undefined;
      return w;
    }
    if (key === 'wte.weight') return (wte = normal(key, c.dVocab * d, std));
    if (key === 'wpe.weight') return normal(key, c.nCtx * d, 0.01);
    if (/ln_\d\.weight$|ln_f\.weight$/.test(key)) return new Float32Array(d).fill(1);
    if (key.endsWith('.bias')) {
      const n = key.endsWith('c_attn.bias') ? 3 * d : key.endsWith('c_fc.bias') ? c.dMlp : d;
      return new Float32Array(n);
    }
    if (key.endsWith('attn.c_attn.weight')) return normal(key, d * 3 * d, std);
    if (key.endsWith('attn.c_proj.weight')) return normal(key, d * d, residStd);
    if (key.endsWith('mlp.c_fc.weight')) return normal(key, d * c.dMlp, std);
    if (key.endsWith('mlp.c_proj.weight')) return normal(key, c.dMlp * d, residStd);
    throw new Error(`random weights: unknown key ${key}`);
  };
}

/**
 * Fill with N(0, std²) by Marsaglia & Tsang's ziggurat (128 strips): one draw of the project RNG and a table
 * look-up per value in ~99% of cases, so gpt2-medium's 355M values take seconds rather than a minute.
 */
export function fillNormal(out: Float32Array, seed: number, std: number): Float32Array {
  const rng = makeRng(seed);
  const { kn, wn, fn } = ZIGGURAT;
  const int32 = (): number => (rng.next() * 4294967296) | 0; // next() is k/2^32: exact
  const uni = (): number => 1 - rng.next(); // (0, 1]
  for (let i = 0; i < out.length; i++) {
    let hz = int32();
    let iz = hz & 127;
    let x: number;
    if (Math.abs(hz) < kn[iz]) {
      x = hz * wn[iz];
    } else {
      for (;;) {
        x = hz * wn[iz];
        if (iz === 0) {
          // the tail beyond R: Marsaglia's exponential rejection
          let y: number;
          do {
            x = -Math.log(uni()) / ZIG_R;
            y = -Math.log(uni());
          } while (y + y < x * x);
          x = hz > 0 ? ZIG_R + x : -ZIG_R - x;
          break;
        }
        if (fn[iz] + (1 - uni()) * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) break;
        hz = int32();
        iz = hz & 127;
        if (Math.abs(hz) < kn[iz]) {
          x = hz * wn[iz];
          break;
        }
      }
    }
    out[i] = x * std;
  }
  return out;
}

const ZIG_R = 3.442619855899;

/** Ziggurat tables for 32-bit signed draws (kn: acceptance bounds, wn: scales, fn: densities at strip edges). */
const ZIGGURAT = ((): { kn: Float64Array; wn: Float64Array; fn: Float64Array } => {
  const m1 = 2147483648;
  const vn = 9.91256303526217e-3; // area of each strip
  const kn = new Float64Array(128);
  const wn = new Float64Array(128);
  const fn = new Float64Array(128);
  let dn = ZIG_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * m1;
  kn[1] = 0;
  wn[0] = q / m1;
  wn[127] = dn / m1;
  fn[0] = 1;
  fn[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * m1;
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
  return { kn, wn, fn };
})();
