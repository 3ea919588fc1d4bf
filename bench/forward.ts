/**
 * Forward benchmark (npm run bench:forward): random:gpt2 and random:gpt2-medium, batch 16 × 20 tokens, logits at
 * the last position. Prints forward time, tokens/s, the backend's GEMM rate measured in the same run on the
 * forward's own matmul shapes, forward time / matmul-bound time, peak RSS, numTensors around repeated forwards,
 * a per-kernel time breakdown, and wasm vs cpu on random:tiny. Each model runs on each backend of --backends
 * (default wasm, and webgpu beside it when a hardware GPU adapter is there; name webgpu to force it onto a software
 * one), and a last table puts the backends side by side. Every read-back is asynchronous (a GPU must not stall).
 *
 *   node --expose-gc dist/bench/forward.js [--models gpt2,gpt2-medium] [--backends wasm,webgpu] [--iters 5] [--leak 100,10] [--no-profile]
 */
import * as tf from '@tensorflow/tfjs';
import { backendAdapter, initBackend, type BackendName } from '../src/runtime/backend.js';
import { probeAdapter } from '../src/runtime/gpu/probe.js';
import { loadModel, namedConfig, type HookedGPT2, type ModelConfig } from '../src/runtime/model/index.js';

const B = 16;
const P = 20;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

function ids(vocab: number, seed: number): number[][] {
  let s = seed;
  return Array.from({ length: B }, () => Array.from({ length: P }, () => (s = (s * 1103515245 + 12345) % 2147483648) % vocab));
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** FLOPs of one forward with logits at one position per row. */
function forwardFlops(c: ModelConfig): { matmul: number; attention: number; unembed: number } {
  const N = B * P;
  const d = c.dModel;
  const matmul = 2 * N * (d * 3 * d + d * d + 2 * d * c.dMlp) * c.nLayers;
  const attention = 2 * 2 * B * c.nHeads * P * P * c.dHead * c.nLayers;
  const unembed = 2 * B * d * c.dVocab;
  return { matmul, attention, unembed };
}

function paramCount(c: ModelConfig): number {
  const d = c.dModel;
  return c.dVocab * d + c.nCtx * d + c.nLayers * (4 * d + d * 3 * d + 3 * d + d * d + d + 2 * d * c.dMlp + c.dMlp + d) + 2 * d;
}

/** GEMM rate (FLOP/s) of 2-D untransposed matMul on the forward's own shapes. */
async function gemmRate(c: ModelConfig, reps = 3): Promise<number> {
  const N = B * P;
  const d = c.dModel;
  const shapes: [number, number, number][] = [[N, d, 3 * d], [N, d, d], [N, d, c.dMlp], [N, c.dMlp, d], [B, d, c.dVocab]];
  let flops = 0;
  let ms = 0;
  for (const [m, k, n] of shapes) {
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const w = tf.matMul(a, b); // packs b once, as the model's weights are (and compiles a GPU's shader)
    await w.data();
    w.dispose();
    const t = performance.now();
    for (let i = 0; i < reps; i++) {
      const r = tf.matMul(a, b);
      await r.data();
      r.dispose();
    }
    ms += performance.now() - t;
    flops += 2 * m * k * n * reps;
    a.dispose();
    b.dispose();
  }
  return flops / (ms / 1000);
}

async function timeForwards(model: HookedGPT2, input: number[][], n: number): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const { logits } = await model.runWithHooks(input, { logitsAt: 'last' });
    await logits.data();
    logits.dispose();
  }
  return (performance.now() - t) / n;
}

async function kernelProfile(model: HookedGPT2, input: number[][]): Promise<{ text: string; matmulShare: number }> {
  const info = await tf.profile(async () => {
    const { logits } = await model.runWithHooks(input, { logitsAt: 'last' });
    await logits.data();
    logits.dispose();
  });
  const by = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    by.set(k.name, (by.get(k.name) ?? 0) + ms);
    total += ms;
  }
  const rows = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const text = rows.map(([k, ms]) => `    ${k.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%`).join('\n');
  return { text, matmulShare: (by.get('BatchMatMul') ?? 0) / total };
}

async function benchModel(name: string, backend: BackendName, iters: number, leakN: number, profile: boolean): Promise<number> {
  global.gc?.();
  const t0 = performance.now();
  const model = await loadModel(`random:${name}`, { backend });
  const loadMs = performance.now() - t0;
  const rssAfterLoad = peakRss();
  const c = model.config;
  const input = ids(c.dVocab, 1);
  await timeForwards(model, input, 1); // warm-up: packs every weight once
  const rate = await gemmRate(c);
  const ms = await timeForwards(model, input, iters);
  const f = forwardFlops(c);
  const boundMs = ((f.matmul + f.attention + f.unembed) / rate) * 1000;
  const adapter = backendAdapter();
  console.log(`random:${name}  (${c.nLayers}L ${c.nHeads}H d${c.dModel}, backend ${tf.getBackend()}${adapter ? ` on ${adapter}` : ''}, load ${(loadMs / 1000).toFixed(1)} s)`);
  console.log(`  forward ${B}×${P}, logits at last: ${ms.toFixed(0)} ms (mean of ${iters})  ${((B * P) / (ms / 1000)).toFixed(0)} tokens/s`);
  console.log(`  GEMM ${(rate / 1e9).toFixed(1)} GFLOP/s on the forward's shapes; matmul-bound ${boundMs.toFixed(0)} ms; ratio ${(ms / boundMs).toFixed(2)}`);
  // Partial rerun of the last position only (interventions at END), keys/values of earlier positions cached.
  const kv = await model.runWithCache(input, { names: (n) => /attn\.hook_[kv]$/.test(n), logitsAt: 'none' });
  kv.logits.dispose();
  const tp = performance.now();
  for (let i = 0; i < iters; i++) {
    const { logits } = await model.runWithHooks(input, { startPos: P - 1, past: kv.cache, logitsAt: 'last' });
    await logits.data();
    logits.dispose();
  }
  const partialMs = (performance.now() - tp) / iters;
  kv.cache.dispose();
  console.log(`  partial rerun of the last position (startPos ${P - 1} + past k/v): ${partialMs.toFixed(0)} ms (${(ms / partialMs).toFixed(1)}× faster)`);
  if (profile) {
    const p = await kernelProfile(model, input);
    if (!(p.matmulShare > 0)) console.log('  kernel time: none reported (the adapter offers no timestamp-query)');
    else console.log(`  kernel time (one forward; all kernels / matmul kernels = ${(1 / p.matmulShare).toFixed(2)}):\n${p.text}`);
  }
  const before = tf.memory().numTensors;
  const tl = performance.now();
  await timeForwards(model, input, leakN);
  const after = tf.memory().numTensors;
  console.log(`  numTensors before/after ${leakN} forwards: ${before}/${after}${after === before ? '' : '  LEAK'}  (${((performance.now() - tl) / 1000).toFixed(0)} s)`);
  console.log(`  peak RSS after load ${mib(rssAfterLoad)} (fp32 weights ${mib(4 * paramCount(c))})`);
  const mem = tf.memory() as { numBytesInWASM?: number; numBytesInGPU?: number; numBytes: number };
  const heap = mem.numBytesInGPU !== undefined ? `GPU buffers in use ${mib(mem.numBytesInGPU)}` : `wasm heap ${mib(mem.numBytesInWASM ?? mem.numBytes)}`;
  console.log(`  ${heap}; peak RSS ${mib(peakRss())}`);
  model.dispose();
  return ms;
}

async function tinyBackends(backends: BackendName[]): Promise<void> {
  const out: string[] = [];
  for (const backend of [...new Set<BackendName>(['wasm', 'cpu', ...backends])]) {
    const model = await loadModel('random:tiny', { backend });
    const input = ids(model.config.dVocab, 2);
    await timeForwards(model, input, 2);
    const ms = await timeForwards(model, input, 10);
    const a = tf.randomNormal([320, 768]);
    const b = tf.randomNormal([768, 768]);
    const w = tf.matMul(a, b);
    await w.data();
    w.dispose();
    const t = performance.now();
    const r = tf.matMul(a, b);
    await r.data();
    r.dispose();
    const gemm = (2 * 320 * 768 * 768) / ((performance.now() - t) / 1000) / 1e9;
    a.dispose();
    b.dispose();
    out.push(`  ${backend.padEnd(5)} forward ${ms.toFixed(1)} ms  (${((B * P) / (ms / 1000)).toFixed(0)} tokens/s); GEMM [320,768]@[768,768] ${gemm.toFixed(1)} GFLOP/s`);
    model.dispose();
  }
  await initBackend('wasm');
  console.log(`random:tiny (2L 4H d32, vocab 50257), ${B}×${P}, logits at last:\n${out.join('\n')}`);
}

async function main(): Promise<void> {
  const models = arg('models', 'gpt2,gpt2-medium').split(',').filter(Boolean);
  const iters = Number(arg('iters', '5'));
  const leak = arg('leak', '100,10').split(',').map(Number);
  const profile = !process.argv.includes('--no-profile');
  const hardware = (await probeAdapter())?.software === false;
  const backends = arg('backends', hardware ? 'wasm,webgpu' : 'wasm').split(',').filter(Boolean) as BackendName[];
  if (!hardware && !process.argv.includes('--backends')) console.log('(no hardware GPU adapter: wasm only; --backends wasm,webgpu forces webgpu onto a software one)');
  await initBackend('wasm');
  await tinyBackends(backends);
  const table: string[] = [];
  for (const [i, m] of models.entries()) {
    namedConfig(m); // fail fast on a bad name
    const ms = new Map<BackendName, number>();
    for (const backend of backends) ms.set(backend, await benchModel(m, backend, iters, leak[Math.min(i, leak.length - 1)], profile));
    const base = ms.get(backends[0])!;
    table.push(`  random:${m.padEnd(12)} ${backends.map((b) => `${b} ${ms.get(b)!.toFixed(0)} ms (${(base / ms.get(b)!).toFixed(2)}×)`).join('   ')}`);
  }
  console.log(`forward ${B}×${P}, logits at last, speed relative to ${backends[0]}:\n${table.join('\n')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
