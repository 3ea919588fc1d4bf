/**
 * Safetensors reader and writer. File layout: u64 little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, offsets relative to the
 * data section that follows), then the data. The whole header is validated against the file size when the file is
 * opened, so a later read can never run out of bounds; tensors are read lazily with positioned reads, one at a time,
 * so peak memory is one tensor beyond what the caller keeps.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { CircuitspecError } from '../../errors.js';
import { FLOAT_DTYPES, INT_DTYPES, ITEM_SIZE, LITTLE_ENDIAN, bf16ToF32, encodeFloats, f16ToF32 } from './dtypes.js';

export interface TensorInfo {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | string;
  shape: number[];
  /** Absolute position of the tensor's first byte in the file (header included). */
  byteOffset: number;
  byteLength: number;
}

/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length would allocate GBs). */
const MAX_HEADER = 100_000_000;
/** readSync takes at most 2 GiB at once. */
const READ_CHUNK = 1 << 30;

export class SafetensorsFile {
  readonly tensors: Map<string, TensorInfo>;
  readonly metadata: Record<string, string>;
  private fd: number | undefined;

  private constructor(readonly path: string, fd: number, tensors: Map<string, TensorInfo>, metadata: Record<string, string>) {
    this.fd = fd;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  static async open(path: string): Promise<SafetensorsFile> {
    if (!LITTLE_ENDIAN) throw new CircuitspecError('safetensors reading needs a little-endian host', { file: path });
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new CircuitspecError(`cannot open safetensors file: ${(e as Error).message}`, { file: path });
    }
    try {
      const { tensors, metadata } = parseHeader(path, fd);
      return new SafetensorsFile(path, fd, tensors, metadata);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw fail(this.path, name, `no tensor '${name}' in the file`);
    return t;
  }

  /** Tensor as float32 (F32 as is, F16/BF16/F64 converted), row-major in `shape`. */
  readFloat32(name: string): Float32Array {
    const t = this.info(name);
    if (!FLOAT_DTYPES.has(t.dtype)) throw fail(this.path, name, `dtype ${t.dtype} is not a float type (F32, F16, BF16)`);
    const n = t.byteLength / ITEM_SIZE[t.dtype];
    if (t.dtype === 'F32') {
      const out = new Float32Array(n);
      this.readInto(t, new Uint8Array(out.buffer));
      return out;
    }
    if (t.dtype === 'F64') {
      const raw = new Float64Array(n);
      this.readInto(t, new Uint8Array(raw.buffer));
      return Float32Array.from(raw);
    }
    const raw = new Uint16Array(n);
    this.readInto(t, new Uint8Array(raw.buffer));
    return t.dtype === 'F16' ? f16ToF32(raw) : bf16ToF32(raw);
  }

  /** Some rows of a 2-D float tensor as float32, read with one positioned read each (the rest is never read). */
  readRows(name: string, rows: number[]): Float32Array[] {
    const t = this.info(name);
    if (!FLOAT_DTYPES.has(t.dtype) || t.shape.length !== 2) throw fail(this.path, name, `readRows needs a 2-D float tensor (got ${t.dtype} [${t.shape.join(', ')}])`);
    const [n, d] = t.shape;
    const item = ITEM_SIZE[t.dtype];
    return rows.map((r) => {
      if (!Number.isInteger(r) || r < 0 || r >= n) throw fail(this.path, name, `row ${r} is outside 0..${n - 1}`);
      const bytes = new Uint8Array(d * item);
      this.readInto({ ...t, byteOffset: t.byteOffset + r * d * item, byteLength: d * item }, bytes);
      if (t.dtype === 'F32') return new Float32Array(bytes.buffer);
      if (t.dtype === 'F64') return Float32Array.from(new Float64Array(bytes.buffer));
      const raw = new Uint16Array(bytes.buffer);
      return t.dtype === 'F16' ? f16ToF32(raw) : bf16ToF32(raw);
    });
  }

  /** Integer tensor (I64 or I32) as int32; an I64 value outside the int32 range is an error. */
  readInt(name: string): Int32Array {
    const t = this.info(name);
    if (!INT_DTYPES.has(t.dtype)) throw fail(this.path, name, `dtype ${t.dtype} is not an integer type (I64, I32)`);
    if (t.dtype === 'I32') {
      const out = new Int32Array(t.byteLength / 4);
      this.readInto(t, new Uint8Array(out.buffer));
      return out;
    }
    const raw = new BigInt64Array(t.byteLength / 8);
    this.readInto(t, new Uint8Array(raw.buffer));
    const out = new Int32Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (v > 2147483647n || v < -2147483648n) throw fail(this.path, name, `value ${v} at index ${i} does not fit in int32`);
      out[i] = Number(v);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private readInto(t: TensorInfo, dst: Uint8Array): void {
    if (this.fd === undefined) throw fail(this.path, t.name, 'file is closed');
    let done = 0;
    while (done < t.byteLength) {
      const want = Math.min(READ_CHUNK, t.byteLength - done);
      const got = readSync(this.fd, dst, done, want, t.byteOffset + done);
      if (got === 0) throw fail(this.path, t.name, `file ended after ${done} of ${t.byteLength} bytes (changed since it was opened?)`);
      done += got;
    }
  }
}

function fail(file: string, tensor: string | undefined, msg: string): CircuitspecError {
  return new CircuitspecError(tensor ? `tensor '${tensor}': ${msg}` : msg, { file, field: tensor });
}

function readExactly(path: string, fd: number, length: number, position: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const got = readSync(fd, buf, done, length - done, position + done);
    if (got === 0) throw fail(path, undefined, `file truncated: header ends at byte ${position + done} of ${position + length}`);
    done += got;
  }
  return buf;
}

function parseHeader(path: string, fd: number): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  const size = fstatSync(fd).size;
  if (size < 8) throw fail(path, undefined, `file truncated or not safetensors: ${size} bytes, less than the 8-byte header length`);
  const n64 = readExactly(path, fd, 8, 0).readBigUInt64LE(0);
  if (n64 > BigInt(size - 8)) {
    throw fail(path, undefined, `header length ${n64} runs past the end of the file (${size} bytes): truncated or not a safetensors file`);
  }
  const n = Number(n64);
  if (n > MAX_HEADER) throw fail(path, undefined, `header length ${n} is larger than the ${MAX_HEADER}-byte limit`);
  const text = readExactly(path, fd, n, 8).toString('utf8');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(path, undefined, `header is not valid JSON (${(e as Error).message}): corrupt or not a safetensors file`);
  }
  if (!isObject(header)) throw fail(path, undefined, 'header is not a JSON object');

  const dataStart = 8 + n;
  const dataSize = size - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(entry)) throw fail(path, undefined, '__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw fail(path, undefined, `__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = parseEntry(path, name, entry, dataStart);
    tensors.set(name, info);
    ranges.push({ name, begin: info.byteOffset - dataStart, end: info.byteOffset - dataStart + info.byteLength });
  }
  // In file order, so a truncated file names the first tensor it cuts.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  ranges.forEach((r, i) => {
    if (r.end > dataSize) {
      throw fail(path, r.name, `data_offsets [${r.begin}, ${r.end}] run past the end of the data section (${dataSize} bytes): file truncated or corrupt`);
    }
    const prev = ranges[i - 1];
    if (prev && r.begin < prev.end) throw fail(path, r.name, `data [${r.begin}, ${r.end}) overlaps tensor '${prev.name}' [${prev.begin}, ${prev.end})`);
  });
  return { tensors, metadata };
}

function parseEntry(path: string, name: string, entry: unknown, dataStart: number): TensorInfo {
  if (!isObject(entry)) throw fail(path, name, 'header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) throw fail(path, name, `unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isNonNegInt)) throw fail(path, name, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt) || offsets[0] > offsets[1]) {
    throw fail(path, name, `data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype];
  if (end - begin !== expected) {
    throw fail(path, name, `${dtype} shape [${shape.join(', ')}] needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], byteOffset: dataStart + begin, byteLength: expected };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

export type WritableTensor = { dtype: 'F32' | 'F16' | 'BF16'; shape: number[]; data: Float32Array };

/**
 * Writes a safetensors file. Tensors are laid out widest dtype first (then by name, as the reference writer does),
 * so every tensor stays aligned to its item size; the header is padded with spaces to a multiple of 8 bytes.
 */
export async function writeSafetensors(path: string, tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): Promise<void> {
  const names = Object.keys(tensors).sort((a, b) => ITEM_SIZE[tensors[b].dtype] - ITEM_SIZE[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (!(t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16')) throw fail(path, name, `cannot write dtype ${t.dtype}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every(isNonNegInt) || count !== t.data.length) {
      throw fail(path, name, `shape [${t.shape.join(', ')}] holds ${count} values but data has ${t.data.length}`);
    }
    const bytes = count * ITEM_SIZE[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));

  const fh = await openAsync(path, 'w');
  try {
    await fh.write(head);
    await fh.write(Buffer.from(json, 'utf8'));
    for (const name of names) await fh.write(encodeFloats(tensors[name].data, tensors[name].dtype));
  } finally {
    await fh.close();
  }
}
