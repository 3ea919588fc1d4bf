/**
 * Picks the tfjs backend. `auto` prefers WebGPU on a hardware adapter (never a software one such as SwiftShader,
 * which is slower than wasm), then native TensorFlow (@tensorflow/tfjs-node, an optional dependency that only
 * installs where libtensorflow can be downloaded), then wasm (SIMD, ~20x the pure-JS cpu backend on matmuls).
 */
import * as tf from '@tensorflow/tfjs';
import { CircuitspecError } from '../errors.js';
import { registerWebgpu, webgpuDevice } from './gpu/backend.js';
import { probeAdapter } from './gpu/probe.js';

export type BackendName = 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
export const BACKENDS: readonly BackendName[] = ['auto', 'wasm', 'cpu', 'tensorflow', 'webgpu'];

let wasmRegistered = false;
let nodeTried: boolean | undefined;

async function registerWasm(): Promise<void> {
  if (wasmRegistered) return;
  await import('@tensorflow/tfjs-backend-wasm');
  wasmRegistered = true;
}

async function tryNode(): Promise<boolean> {
  if (nodeTried !== undefined) return nodeTried;
  try {
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    nodeTried = tf.findBackend('tensorflow') !== undefined;
  } catch {
    nodeTried = false;
  }
  return nodeTried;
}

/** Initialise (once per process) and return the active backend's name. */
export async function initBackend(pref: BackendName = 'auto'): Promise<string> {
  if (!BACKENDS.includes(pref)) {
    throw new CircuitspecError(`unknown backend '${pref}' (expected one of ${BACKENDS.join(', ')})`, { field: 'backend' });
  }
  let want = pref;
  if (want === 'auto') {
    // A hardware adapter whose device cannot be set up (a driver fault) falls back like no adapter at all.
    const gpu = (await probeAdapter())?.software === false && (await registerWebgpu().then(() => true, () => false));
    want = gpu ? 'webgpu' : (await tryNode()) ? 'tensorflow' : 'wasm';
  }
  if (want === 'tensorflow' && !(await tryNode())) {
    throw new CircuitspecError('backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed or failed to load', { field: 'backend' });
  }
  if (want === 'wasm') await registerWasm();
  if (want === 'webgpu') await registerWebgpu();
  if (tf.getBackend() !== want) {
    const ok = await tf.setBackend(want);
    if (!ok) throw new CircuitspecError(`could not initialise the tfjs '${want}' backend`, { field: 'backend' });
  }
  await tf.ready();
  // The cpu backend prints an "install tfjs-node" banner on its first write; the choice was deliberate.
  // (Setting IS_TEST would hide it too, but it also turns on tfjs's per-kernel leak check, which breaks
  // custom-gradient ops such as softmaxCrossEntropy on wasm.)
  if (want === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return tf.getBackend();
}

/** The adapter behind the active backend ("SwiftShader driver 5.0.0 (google swiftshader), software"), if a GPU one. */
export function backendAdapter(): string | undefined {
  const d = tf.getBackend() === 'webgpu' ? webgpuDevice() : undefined;
  return d && `${d.adapter.name}${d.adapter.software ? ', software' : ''}`;
}
