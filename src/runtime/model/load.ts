/**
 * loadModel: `random:<name>` (seeded weights of that shape) or a folder / hub id (config.json + model.safetensors,
 * read tensor by tensor so the peak stays near twice the fp32 size), then weight processing, then a HookedGPT2.
 */
import { existsSync, statSync } from 'node:fs';
import type { Tensor } from '@tensorflow/tfjs';
import { backendAdapter, initBackend, type BackendName } from '../backend.js';
import { readHFConfig, openGPT2Checkpoint } from '../io/checkpoint.js';
import { gpt2Tokenizer, loadTokenizer } from '../tokenizer/index.js';
import { configFromHF, namedConfig, type ModelConfig } from './config.js';
import { disposeWeights, mapWeights, weightsFromSource, type GPT2Weights } from './weights.js';
import { uploadWeights } from '../gpu/memory.js';
import { randomWeightSource } from './random.js';
import { processWeights, resolveProcessing, type ProcessingOption } from './processing.js';
import { HookedGPT2 } from './hooked-gpt2.js';

export interface LoadOptions {
  backend?: BackendName;
  processing?: ProcessingOption;
  /** Seed of `random:` weights (default 0). */
  seed?: number;
  /** Hub download cache (default: HF_HOME's hub folder). */
  cacheDir?: string;
  offline?: boolean;
  /** Re-hash cached hub files before use (a corrupted blob is downloaded again). */
  verify?: boolean;
}

export async function loadModel(source: string, opts: LoadOptions = {}): Promise<HookedGPT2> {
  const flags = resolveProcessing(opts.processing);
  const backend = await initBackend(opts.backend ?? 'auto');
  let config: ModelConfig;
  let weights: GPT2Weights;
  let weightHash: string;
  let tokenizer;
  if (source.startsWith('random:')) {
    config = namedConfig(source.slice('random:'.length));
    const seed = opts.seed ?? 0;
    weights = weightsFromSource(randomWeightSource(config, seed), config);
    weightHash = `random:seed=${seed}`;
    tokenizer = gpt2Tokenizer();
  } else {
    const folder = await resolveFolder(source, opts);
    const hf = await readHFConfig(folder);
    config = configFromHF(hf, `${folder}/config.json`);
    const ckpt = await openGPT2Checkpoint(folder, hf);
    try {
      weights = weightsFromSource((key) => ckpt.get(key), config);
    } finally {
      await ckpt.close();
    }
    weightHash = ckpt.weightHash;
    tokenizer = await loadTokenizer(folder);
  }
  processWeights(weights, flags);
  const named: { name: string; t: Tensor }[] = [];
  mapWeights(weights, (t, name) => (named.push({ name, t }), t));
  try {
    await uploadWeights(named, source);
  } catch (e) {
    disposeWeights(weights);
    throw e;
  }
  const adapter = backendAdapter();
  const model = new HookedGPT2(weights, config, tokenizer, { source, weightHash, processing: flags, backend, ...(adapter && { adapter }) });
  if (backend === 'wasm') await packWeights(model);
  return model;
}

/**
 * The wasm backend (XNNPACK) packs a weight matrix the first time it is multiplied and keeps the packed copy, which
 * makes a model's first forward ~3.5× a later one (GPT-2 medium: 7 s of packing). A one-token forward here pays it
 * once, as part of loading: every thread that holds the weights (each worker) packs its own copy while loading in
 * parallel, and the first real batch is not slowed (nor is a worker's share of it).
 */
async function packWeights(model: HookedGPT2): Promise<void> {
  const { logits } = await model.runWithHooks([[0]], { logitsAt: 'last' });
  await logits.data();
  logits.dispose();
}

async function resolveFolder(source: string, opts: LoadOptions): Promise<string> {
  if (existsSync(source) && statSync(source).isDirectory()) return source;
  const { resolveModelSource } = await import('../io/hub.js');
  return resolveModelSource(source, { cacheDir: opts.cacheDir, offline: opts.offline, verify: opts.verify });
}
