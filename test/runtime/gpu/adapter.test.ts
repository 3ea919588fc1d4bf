import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeAdapter, type GpuAdapterLike } from '../../../src/runtime/gpu/adapter.js';

const adapter = (info: GpuAdapterLike['info']): GpuAdapterLike => ({ info, limits: {} as GpuAdapterLike['limits'], requestDevice: async () => ({}) });

describe('describeAdapter', () => {
  it('names the adapter and tells software ones (never chosen by auto) from hardware', () => {
    const sw = describeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' }));
    expect(sw).toEqual({ name: 'SwiftShader driver 5.0.0 (google swiftshader swiftshader-device-subzero-)', software: true });
    expect(describeAdapter(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).software).toBe(true);
    expect(describeAdapter(adapter({ vendor: 'x', description: 'anything', isFallbackAdapter: true })).software).toBe(true);
    const hw = describeAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' }));
    expect(hw).toEqual({ name: 'NVIDIA H200 (nvidia hopper)', software: false });
    expect(describeAdapter(adapter(undefined))).toEqual({ name: 'unnamed adapter', software: false });
  });

  it('a fallback adapter is software whatever it is called', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (vendor, description) => {
      expect(describeAdapter(adapter({ vendor, description, isFallbackAdapter: true })).software).toBe(true);
      expect(describeAdapter(adapter({ vendor, description })).name.length).toBeGreaterThan(0);
    }));
  });
});
