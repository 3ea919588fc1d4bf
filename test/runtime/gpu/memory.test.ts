import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesPerRow, checkWeightsFit, maxBatchFor } from '../../../src/runtime/gpu/memory.js';
import { namedConfig } from '../../../src/runtime/model/config.js';
import type { GpuLimits } from '../../../src/runtime/gpu/adapter.js';

const limits = (bytes: number, binding = bytes): GpuLimits => ({
  maxBufferSize: bytes, maxStorageBufferBindingSize: binding, maxComputeWorkgroupStorageSize: 16384,
  maxComputeWorkgroupsPerDimension: 65535, maxComputeWorkgroupSizeX: 256, maxComputeInvocationsPerWorkgroup: 256,
});

describe('GPU memory limits', () => {
  it('a weight larger than the adapter\'s buffers is a one-line error naming it', () => {
    const medium = namedConfig('gpt2-medium');
    const wte = { name: 'wte', bytes: 4 * medium.dVocab * medium.dModel }; // 206 MB
    expect(() => checkWeightsFit([{ name: 'wpe', bytes: 4 << 20 }, wte], limits(1 << 30, 128 << 20), 'gpt2-medium'))
      .toThrow(/model 'gpt2-medium' does not fit this GPU: weight wte is 196 MB, and the adapter's buffers hold at most 128 MB/);
    expect(() => checkWeightsFit([wte], limits(1 << 30), 'gpt2-medium')).not.toThrow();
  });

  it('the batch is the largest whose biggest activation fits one buffer', () => {
    fc.assert(fc.property(
      fc.constantFrom('tiny', 'gpt2', 'gpt2-medium', 'gpt2-xl'), fc.integer({ min: 1, max: 1024 }), fc.integer({ min: 1 << 20, max: 2 ** 31 }),
      (name, K, bytes) => {
        const c = namedConfig(name);
        const B = maxBatchFor(c, K, limits(bytes));
        expect(B).toBeGreaterThanOrEqual(1);
        if (B > 1) expect(B * bytesPerRow(c, K)).toBeLessThanOrEqual(bytes);
        expect((B + 1) * bytesPerRow(c, K)).toBeGreaterThan(bytes);
      },
    ));
  });
});
