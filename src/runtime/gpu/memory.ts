/**
 * What fits on the GPU. WebGPU reports no memory size, only per-buffer limits: every weight and every
 * activation of a forward is one buffer, so a model fits if each weight does (and the driver can allocate them
 * all: checked by uploading them once, under an out-of-memory error scope), and a batch fits if its largest
 * activation does.
 */
import * as tf from '@tensorflow/tfjs';
import { CircuitspecError } from '../../errors.js';
import type { ModelConfig } from '../model/config.js';
import type { GpuLimits } from './adapter.js';
import { webgpuDevice } from './backend.js';

const MB = 1 << 20;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;

/** The per-buffer limit of this adapter (both limits bound a storage buffer tfjs binds). */
export function bufferLimit(limits: GpuLimits): number {
  return Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
}

/** Throws a one-line error naming the first weight larger than the adapter's buffer limit. */
export function checkWeightsFit(weights: { name: string; bytes: number }[], limits: GpuLimits, source: string): void {
  const limit = bufferLimit(limits);
  const big = weights.find((w) => w.bytes > limit);
  if (big) {
    throw new CircuitspecError(`model '${source}' does not fit this GPU: weight ${big.name} is ${mb(big.bytes)}, and the adapter's buffers hold at most ${mb(limit)} (use --backend wasm)`, { field: 'backend' });
  }
}

/** float32 bytes per batch row of the largest activation a forward over K positions makes (hook_result included). */
export function bytesPerRow(c: ModelConfig, K: number): number {
  return 4 * Math.max(c.nHeads * K * K, K * c.nHeads * c.dModel, K * c.dMlp, K * 3 * c.dModel, c.dVocab);
}

/** The largest batch whose activations over K positions each fit in one buffer (at least 1). */
export function maxBatchFor(c: ModelConfig, K: number, limits: GpuLimits): number {
  return Math.max(1, Math.floor(bufferLimit(limits) / bytesPerRow(c, K)));
}

interface DeviceLike {
  pushErrorScope(filter: 'out-of-memory'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}
interface UploadingBackend {
  device: DeviceLike;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  submitQueue(): void;
}

/**
 * Upload the weights now (tfjs would on first use) so the model stays resident for every run and a model too
 * large for the GPU is a clear error at load, not a failure mid-run.
 */
export async function uploadWeights(tensors: { name: string; t: tf.Tensor }[], source: string): Promise<void> {
  const dev = webgpuDevice();
  if (!dev || tf.getBackend() !== 'webgpu') return;
  checkWeightsFit(tensors.map(({ name, t }) => ({ name, bytes: 4 * t.size })), dev.limits, source);
  const backend = tf.backend() as unknown as UploadingBackend;
  backend.device.pushErrorScope('out-of-memory');
  for (const { t } of tensors) backend.uploadToGPU(t.dataId);
  backend.ensureCommandEncoderReady(); // uploads through mapped buffers leave no encoder to submit
  backend.submitQueue();
  const err = await backend.device.popErrorScope();
  if (err) {
    const total = tensors.reduce((a, { t }) => a + 4 * t.size, 0);
    throw new CircuitspecError(`model '${source}' does not fit this GPU: its ${mb(total)} of weights could not be allocated (${err.message.split('\n')[0]}; use --backend wasm)`, { field: 'backend' });
  }
}
