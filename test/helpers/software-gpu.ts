/**
 * The software GPU the webgpu tests run on: Chromium's SwiftShader Vulkan driver under Dawn (the `webgpu`
 * package). `npm test` installs Chromium first where it can (scripts/ensure-chromium.sh); elsewhere these tests
 * are skipped with the reason. SwiftShader is ~0.3 GFLOP/s: keep what runs on it tiny.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADER = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1', '/usr/lib64/libvulkan.so.1'];
const INSTALL = 'as root: apt-get install chromium libvulkan1, or run scripts/ensure-chromium.sh';

/** Why the software GPU is unavailable (null when it is); when available, points the Vulkan loader at it. */
export function softwareGpu(): string | null {
  if (!existsSync(SWIFTSHADER_ICD)) return `no SwiftShader (${SWIFTSHADER_ICD} is missing; ${INSTALL})`;
  if (!VULKAN_LOADER.some((p) => existsSync(p))) return `no Vulkan loader (libvulkan.so.1; ${INSTALL})`;
  try {
    createRequire(import.meta.url).resolve('webgpu');
  } catch {
    return 'the optional `webgpu` package (Dawn for Node) is not installed';
  }
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // Implicit layers of other drivers (Mesa's device-select) would only add noise to the test output.
  process.env.VK_LOADER_LAYERS_DISABLE = '~implicit~';
  return null;
}

/** A describe title that carries the skip reason, so the test report says why nothing ran. */
export function gpuTitle(title: string, reason: string | null): string {
  return reason ? `${title} (skipped: ${reason})` : title;
}
