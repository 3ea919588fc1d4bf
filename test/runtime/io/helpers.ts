// Shared by the io tests: temp folders, the tiny fixture's tensors, and raw header surgery.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafetensorsFile, type WritableTensor } from '../../../src/runtime/io/safetensors.js';

export const FIXTURE = 'fixtures/tiny-gpt2';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `circuitspec-${prefix}-`));
}

/** A copy of the fixture folder (config.json + model.safetensors) in `dir`. */
export function copyFixture(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(FIXTURE, f), join(dir, f));
  return dir;
}

/** Every tensor of the fixture's model.safetensors as float32, to rewrite in other layouts. */
export async function fixtureTensors(): Promise<Record<string, WritableTensor>> {
  const st = await SafetensorsFile.open(join(FIXTURE, 'model.safetensors'));
  const out: Record<string, WritableTensor> = {};
  for (const t of st.tensors.values()) out[t.name] = { dtype: 'F32', shape: t.shape, data: st.readFloat32(t.name) };
  await st.close();
  return out;
}

/** Raw file: u64 header length, JSON header padded to 8 bytes, data. */
export function rawSafetensors(header: unknown, data: Buffer): Buffer {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), data]);
}

/** Rewrites a file's JSON header through `edit`, keeping its data section. */
export function editHeader(path: string, edit: (h: Record<string, any>) => void): void {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  edit(header);
  writeFileSync(path, rawSafetensors(header, buf.subarray(8 + n)));
}
