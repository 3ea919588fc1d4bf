/**
 * Does this machine have a hardware WebGPU adapter? `auto` asks before choosing webgpu. In Node the question is
 * put to a child process: Dawn and the Vulkan loader print warnings to stderr while they look for drivers, which
 * would otherwise land in every CPU-only run's output.
 */
import { describeAdapter, requestAdapter, type AdapterDescription, type GpuAdapterLike } from './adapter.js';

const CHILD = `
const { create } = await import(process.argv.at(-1));
const api = { linux: 'vulkan', darwin: 'metal', win32: 'd3d12' }[process.platform];
const a = await create(api ? ['backend=' + api] : []).requestAdapter({ powerPreference: 'high-performance' });
const i = a && a.info;
process.stdout.write(JSON.stringify(a ? { info: { vendor: i.vendor, architecture: i.architecture, device: i.device,
  description: i.description, isFallbackAdapter: i.isFallbackAdapter } } : null));
process.exit(0);
`;

let probed: Promise<AdapterDescription | null> | undefined;

export function probeAdapter(): Promise<AdapterDescription | null> {
  probed ??= (async () => {
    const inNode = typeof process !== 'undefined' && !!process.versions?.node;
    if (!inNode) {
      const a = await requestAdapter();
      return a ? describeAdapter(a) : null;
    }
    const [{ execFile }, { createRequire }, { pathToFileURL }] = await Promise.all([
      import('node:child_process'), import('node:module'), import('node:url'),
    ]);
    let entry: string;
    try {
      entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
    } catch {
      return null; // the optional `webgpu` package is not installed
    }
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', CHILD, entry], { timeout: 30_000, encoding: 'utf8' },
        (err, stdout) => resolve(err ? 'null' : stdout));
    });
    try {
      const a = JSON.parse(out) as GpuAdapterLike | null;
      return a ? describeAdapter(a) : null;
    } catch {
      return null;
    }
  })();
  return probed;
}
