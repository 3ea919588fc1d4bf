/**
 * Checkpoint-loading memory benchmark (npm run bench:load): writes a seeded random GPT-2-shaped checkpoint in the
 * Hugging Face layout (config.json + model.safetensors) to a temporary folder, then loads it with `loadModel` in a
 * fresh process and prints that process's peak RSS (after loading, and after one forward) against the weights' fp32 size. Goal: peak ≤ ~2× fp32 size
 * (GPT-2 medium: ~1.4 GB of weights).
 *
 *   node dist/bench/load.js [--model gpt2-medium] [--dtype F32|F16] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2TensorShapes, type HFGPT2Config } from '../src/runtime/io/checkpoint.js';
import { writeSafetensors, type WritableTensor } from '../src/runtime/io/safetensors.js';
import { namedConfig } from '../src/runtime/model/config.js';
import { loadModel } from '../src/runtime/model/load.js';
import { randomWeightSource } from '../src/runtime/model/random.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Child mode: load the folder, run one short forward, report peak RSS as JSON on stdout. */
async function child(folder: string): Promise<void> {
  const t0 = performance.now();
  const model = await loadModel(folder, { backend: 'wasm' });
  const loadMs = performance.now() - t0;
  const afterLoad = process.resourceUsage().maxRSS * 1024;
  const { logits } = await model.runWithHooks([[464, 3290, 318, 257]], { logitsAt: 'last' });
  logits.dispose();
  const peak = process.resourceUsage().maxRSS * 1024;
  model.dispose();
  process.stdout.write(JSON.stringify({ afterLoad, peak, loadMs }) + '\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]);
  const name = arg('model', 'gpt2-medium');
  const dtype = arg('dtype', 'F32') as 'F32' | 'F16';
  const c = namedConfig(name);
  const hf: HFGPT2Config = {
    n_layer: c.nLayers, n_head: c.nHeads, n_embd: c.dModel, n_positions: c.nCtx, vocab_size: c.dVocab,
    layer_norm_epsilon: c.layerNormEps, activation_function: 'gelu_new', n_inner: null,
  };
  const dir = mkdtempSync(join(tmpdir(), `circuitspec-load-${name}-`));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', ...hf }, null, 2));
    const get = randomWeightSource(c, 0);
    const tensors: Record<string, WritableTensor> = {};
    let params = 0;
    for (const [key, shape] of gpt2TensorShapes(hf)) {
      tensors[key] = { dtype, shape, data: get(key) };
      params += shape.reduce((a, b) => a * b, 1);
    }
    await writeSafetensors(join(dir, 'model.safetensors'), tensors);
    const fp32 = params * 4;
    const out = execFileSync(process.execPath, [process.argv[1], '--child', dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const { afterLoad, peak, loadMs } = JSON.parse(out.trim().split('\n').pop()!) as { afterLoad: number; peak: number; loadMs: number };
    console.log(`${name} checkpoint (${dtype}, ${(params / 1e6).toFixed(0)}M parameters, fp32 size ${mib(fp32)})`);
    console.log(`  loadModel in a fresh process: ${(loadMs / 1000).toFixed(1)} s, peak RSS ${mib(afterLoad)}; ratio to fp32 size ${(afterLoad / fp32).toFixed(2)} (goal ≤ ~2)`);
    // The wasm matmul kernel then packs a copy of each weight it multiplies by (see bench:forward).
    console.log(`  after one forward: peak RSS ${mib(peak)}; ratio ${(peak / fp32).toFixed(2)}`);
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
