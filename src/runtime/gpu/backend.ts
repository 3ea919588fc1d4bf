/**
 * Registers tfjs's webgpu backend on the adapter we chose and described, so results can name the adapter and
 * batch sizes can follow its limits (tfjs's own registration would pick an adapter we never see).
 */
import * as tf from '@tensorflow/tfjs';
import { CircuitspecError } from '../../errors.js';
import { describeAdapter, requestAdapter, type AdapterDescription, type GpuLimits } from './adapter.js';

export interface WebgpuDevice {
  adapter: AdapterDescription;
  limits: GpuLimits;
}

const LIMIT_NAMES = [
  'maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup',
] as const;

let registered: Promise<WebgpuDevice> | undefined;
let current: WebgpuDevice | undefined;

export const NO_ADAPTER_HELP = 'Node needs the optional `webgpu` package and a Vulkan, Metal or D3D12 driver; '
  + 'a software one: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json';

/** Once per process: request the adapter and a device with its full limits, and register the backend. */
export function registerWebgpu(): Promise<WebgpuDevice> {
  registered ??= (async () => {
    const adapter = await requestAdapter();
    if (!adapter) throw new CircuitspecError(`backend 'webgpu': no WebGPU adapter (${NO_ADAPTER_HELP})`, { field: 'backend' });
    const limits = Object.fromEntries(LIMIT_NAMES.map((n) => [n, adapter.limits[n]])) as unknown as GpuLimits;
    // timestamp-query lets tf.profile time GPU kernels (bench:forward's breakdown).
    const requiredFeatures = adapter.features?.has('timestamp-query') ? ['timestamp-query'] : [];
    const device = await adapter.requestDevice({ requiredLimits: { ...limits }, requiredFeatures });
    // Importing the package registers its own factory where navigator.gpu exists; ours replaces it.
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, adapter.info as never), 1);
    current = { adapter: describeAdapter(adapter), limits };
    return current;
  })();
  return registered;
}

/** The registered device, if the webgpu backend was set up in this process. */
export function webgpuDevice(): WebgpuDevice | undefined {
  return current;
}
