/**
 * The WebGPU adapter behind the `webgpu` backend: the page's `navigator.gpu` in a browser, Dawn's Node binding
 * (the optional `webgpu` package) in Node. Only the few adapter fields circuitspec reads are typed here, so the
 * runtime needs no WebGPU type package.
 */

export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeInvocationsPerWorkgroup: number;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface GpuAdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  limits: GpuLimits;
  features?: { has(name: string): boolean };
  requestDevice(desc?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<unknown>;
}

export interface GpuLike {
  requestAdapter(opts?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** What results record about the adapter, and what `auto` decides on. */
export interface AdapterDescription {
  /** e.g. "SwiftShader driver 5.0.0 (google swiftshader)". */
  name: string;
  /** A CPU implementation (SwiftShader, llvmpipe/lavapipe, WARP): slower than wasm, so `auto` never picks it. */
  software: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

export function describeAdapter(a: GpuAdapterLike): AdapterDescription {
  const i = a.info ?? {};
  const parts = [i.vendor, i.architecture, i.device].filter((s): s is string => !!s);
  const base = i.description || parts.join(' ') || 'unnamed adapter';
  const name = i.description && parts.length ? `${base} (${parts.join(' ')})` : base;
  const software = i.isFallbackAdapter === true || a.isFallbackAdapter === true || SOFTWARE.test([base, ...parts].join(' '));
  return { name, software };
}

let gpuPromise: Promise<GpuLike | null> | undefined;

/**
 * navigator.gpu, installing Dawn's (with the WebGPU globals tfjs's backend reads, e.g. GPUBufferUsage) when
 * running in Node. Null when neither is there.
 */
export function webgpu(): Promise<GpuLike | null> {
  gpuPromise ??= (async () => {
    const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
    if (nav?.gpu) return nav.gpu;
    if (typeof process === 'undefined' || !process.versions?.node) return null;
    let dawn: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
    try {
      const name = 'webgpu'; // optional dependency: a variable keeps bundlers from resolving it
      dawn = (await import(/* @vite-ignore */ name)) as typeof dawn;
    } catch {
      return null;
    }
    Object.assign(globalThis, dawn.globals);
    // One native API per platform: Dawn would otherwise also probe OpenGL, whose drivers print to stderr.
    const api = ({ linux: 'vulkan', darwin: 'metal', win32: 'd3d12' } as Record<string, string>)[process.platform];
    const gpu = dawn.create(api ? [`backend=${api}`] : []);
    // Node 21+ has a navigator of its own; tfjs's webgpu backend looks for navigator.gpu.
    const old = (globalThis as { navigator?: { userAgent?: string } }).navigator;
    const navigator = { userAgent: old?.userAgent ?? `Node.js/${process.version}`, gpu };
    Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
    return gpu;
  })();
  return gpuPromise;
}

export async function requestAdapter(): Promise<GpuAdapterLike | null> {
  const gpu = await webgpu();
  return gpu ? gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
}
