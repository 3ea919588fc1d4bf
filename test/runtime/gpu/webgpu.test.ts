// The webgpu backend on Chromium's SwiftShader (a software GPU, ~0.3 GFLOP/s): the shared tiny reference only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { SafetensorsFile } from '../../../src/runtime/io/safetensors.js';
import { loadModel, weightTensors, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { initBackend } from '../../../src/runtime/backend.js';
import { probeAdapter } from '../../../src/runtime/gpu/probe.js';
import { FIXTURE, relErr } from '../model/helpers.js';
import { gpuTitle, softwareGpu } from '../../helpers/software-gpu.js';
import { createContext, disposeContext } from '../../../src/runtime/experiments/index.js';
import { pathPatchFast, pathPatchLiteral, type PathPatchOptions, type PathPatchResult } from '../../../src/runtime/interventions/index.js';
import { syntheticTask } from '../experiments/helpers.js';

const reason = softwareGpu();

describe.skipIf(reason)(gpuTitle('webgpu backend (SwiftShader)', reason), () => {
  let model: HookedGPT2;
  let ref: SafetensorsFile;
  let ids: number[][];
  let names: string[];
  const onGpu = new Map<string, Float32Array>();
  beforeAll(async () => {
    model = await loadModel(FIXTURE, { backend: 'webgpu', processing: 'none' });
    ref = await SafetensorsFile.open(join(FIXTURE, 'reference.safetensors'));
    const idsFlat = ref.readInt('input_ids');
    const [B, P] = ref.tensors.get('input_ids')!.shape;
    ids = Array.from({ length: B }, (_, b) => Array.from(idsFlat.subarray(b * P, (b + 1) * P)));
    names = [...ref.tensors.keys()].filter((n) => n !== 'input_ids' && n !== 'logits');
  });
  afterAll(() => model?.dispose());

  it('runs on the adapter it records, with the weights uploaded at load', () => {
    expect(tf.getBackend()).toBe('webgpu');
    const weightBytes = weightTensors(model.weights).reduce((a, t) => a + 4 * t.size, 0);
    expect((tf.memory() as tf.MemoryInfo & { numBytesInGPU: number }).numBytesInGPU).toBeGreaterThanOrEqual(weightBytes);
    expect(model.identity.backend).toBe('webgpu');
    expect(model.identity.adapter).toMatch(/SwiftShader.*, software$/);
  });

  it('logits and every cached activation within 1e-4 relative error of the PyTorch reference', async () => {
    const { logits, cache } = await model.runWithCache(ids, { names });
    const got = (await logits.data()) as Float32Array;
    logits.dispose();
    expect(relErr(got, ref.readFloat32('logits'))).toBeLessThan(1e-4);
    onGpu.set('logits', got);
    for (const n of names) {
      expect(relErr(cache.array(n).data, ref.readFloat32(n)), n).toBeLessThan(1e-4);
      onGpu.set(n, cache.array(n).data);
    }
    cache.dispose();
  });

  it('a long run of cached and hooked forwards leaves tensors and GPU bytes flat', async () => {
    const round = async () => {
      const { logits, cache } = await model.runWithCache(ids, { names: ['blocks.0.attn.hook_z', 'blocks.1.hook_resid_pre'], logitsAt: 'last' });
      const patched = await model.runWithHooks(ids, { hooks: [{ name: 'blocks.0.attn.hook_z', value: cache.get('blocks.0.attn.hook_z'), heads: [1] }], logitsAt: 'last' });
      await patched.logits.data();
      patched.logits.dispose();
      logits.dispose();
      cache.dispose();
    };
    await round();
    const mem = () => tf.memory() as tf.MemoryInfo & { numBytesInGPU: number };
    const start = { tensors: mem().numTensors, gpu: mem().numBytesInGPU };
    for (let i = 0; i < 8; i++) await round();
    expect(mem().numTensors).toBe(start.tensors);
    expect(mem().numBytesInGPU).toBe(start.gpu);
  });

  it('matches wasm within 1e-4 (the same run, switched backend)', async () => {
    const wasm = await loadModel(FIXTURE, { backend: 'wasm', processing: 'none' });
    try {
      const { logits, cache } = await wasm.runWithCache(ids, { names });
      expect(relErr(onGpu.get('logits')!, await logits.data())).toBeLessThan(1e-4);
      for (const n of names) expect(relErr(onGpu.get(n)!, cache.array(n).data), n).toBeLessThan(1e-4);
      logits.dispose();
      cache.dispose();
    } finally {
      wasm.dispose();
    }
  });

  it('path patching on the GPU: the suffix reruns equal the literal definition, and match wasm', async () => {
    const opts: PathPatchOptions = { receivers: { heads: [{ layer: 1, head: 0 }, { layer: 1, head: 2 }], input: 'k', positions: ['B2', 'END'] } };
    const task = syntheticTask('syn', 3, [12, 9, 10], 1000, 3);
    const run = async (m: HookedGPT2) => {
      const ctx = createContext(m, [task], { batchSize: 3 });
      try {
        return { fast: await pathPatchFast(ctx, 'syn', opts), literal: await pathPatchLiteral(ctx, 'syn', opts) };
      } finally {
        disposeContext(ctx);
      }
    };
    await initBackend('webgpu'); // the test before switched the process to wasm
    const before = tf.memory().numTensors;
    const gpu = await run(model);
    expect(tf.memory().numTensors).toBe(before);
    const wasm = await loadModel(FIXTURE, { backend: 'wasm', processing: 'none' });
    let cpu;
    try {
      cpu = await run(wasm);
    } finally {
      wasm.dispose();
    }
    const flat = (r: PathPatchResult) => r.patched.flat(2);
    flat(gpu.fast).forEach((x, i) => {
      expect(Math.abs(x - flat(gpu.literal)[i])).toBeLessThan(1e-4);
      expect(Math.abs(x - flat(cpu.fast)[i])).toBeLessThan(1e-4);
    });
    expect(Math.max(...flat(gpu.fast).map((x, i) => Math.abs(x - gpu.fast.clean[i % 3])))).toBeGreaterThan(1e-3);
  });

  it('chooses batch sizes from the adapter\'s buffer limit', () => {
    const rows = model.maxBatch(12);
    expect(rows).toBeGreaterThan(16);
    expect(Number.isFinite(rows)).toBe(true);
  });

  it('auto never picks a software adapter', async () => {
    expect((await probeAdapter())?.software).toBe(true);
    expect(await initBackend('auto')).not.toBe('webgpu');
  });
});
