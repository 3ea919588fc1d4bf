// Safetensors reader/writer: header validation (every corruption a CircuitspecError naming file and tensor),
// lazy reads, dtype conversion.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../../src/errors.js';
import { bf16ToF32, f16ToF32, f32ToBF16Bits, f32ToF16Bits } from '../../../src/runtime/io/dtypes.js';
import { SafetensorsFile, writeSafetensors } from '../../../src/runtime/io/safetensors.js';
import { FIXTURE, editHeader, rawSafetensors, tempDir } from './helpers.js';

const dir = tempDir('st');
let n = 0;
/** A fresh copy of the fixture's model.safetensors. */
function copy(): string {
  const p = join(dir, `model${n++}.safetensors`);
  writeFileSync(p, readFileSync(join(FIXTURE, 'model.safetensors')));
  return p;
}

/** The error `open` throws; fails the test if it is not a CircuitspecError naming the file (and tensor). */
async function openError(path: string, tensor?: string): Promise<CircuitspecError> {
  const err = await SafetensorsFile.open(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CircuitspecError);
  const e = err as CircuitspecError;
  expect(e.location.file).toBe(path);
  if (tensor) {
    expect(e.location.field).toBe(tensor);
    expect(e.message).toContain(tensor);
  }
  return e;
}

describe('SafetensorsFile', () => {
  it('reads the fixture header and tensors', async () => {
    const st = await SafetensorsFile.open(join(FIXTURE, 'model.safetensors'));
    expect(st.tensors.size).toBe(28);
    expect(st.metadata).toEqual({ format: 'pt' });
    const wte = st.tensors.get('wte.weight')!;
    expect(wte).toMatchObject({ dtype: 'F32', shape: [1000, 32], byteLength: 128000 });
    const data = st.readFloat32('wte.weight');
    expect(data.length).toBe(32000);
    const raw = readFileSync(join(FIXTURE, 'model.safetensors'));
    expect(data[5]).toBe(raw.readFloatLE(wte.byteOffset + 20));
    expect(() => st.readFloat32('nope')).toThrow(/no tensor 'nope'/);
    expect(() => st.readInt('wte.weight')).toThrow(/not an integer type/);
    await st.close();
    expect(() => st.readFloat32('wte.weight')).toThrow(/closed/);
  });

  it('reads I64 input ids as int32', async () => {
    const st = await SafetensorsFile.open(join(FIXTURE, 'reference.safetensors'));
    const ids = st.readInt('input_ids');
    expect(ids).toBeInstanceOf(Int32Array);
    expect(ids.length).toBe(24);
    expect(Array.from(ids.slice(0, 3))).toEqual([845, 139, 124]);
    await st.close();
    const big = Buffer.alloc(16);
    big.writeBigInt64LE(7n, 0);
    big.writeBigInt64LE(1n << 40n, 8);
    const p = join(dir, 'big.safetensors');
    writeFileSync(p, rawSafetensors({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, big));
    const st2 = await SafetensorsFile.open(p);
    expect(() => st2.readInt('ids')).toThrow(/1099511627776 at index 1 does not fit in int32/);
    await st2.close();
  });

  it('rejects a file truncated inside its data, naming the tensor that runs past the end', async () => {
    const p = copy();
    truncateSync(p, 150_000); // the data section ends inside h.0.attn.c_attn.weight
    const e = await openError(p, 'h.0.attn.c_attn.weight');
    expect(e.message).toMatch(/run past the end of the data section/);
  });

  it('rejects a file truncated inside its header, or shorter than 8 bytes', async () => {
    const p = copy();
    truncateSync(p, 1000);
    expect((await openError(p)).message).toMatch(/header length 2304 runs past the end of the file \(1000 bytes\)/);
    truncateSync(p, 5);
    expect((await openError(p)).message).toMatch(/less than the 8-byte header length/);
  });

  it('rejects a header length past EOF and garbage JSON', async () => {
    const p = copy();
    const buf = readFileSync(p);
    buf.writeBigUInt64LE(1n << 62n, 0);
    writeFileSync(p, buf);
    expect((await openError(p)).message).toMatch(/header length \d+ runs past the end of the file/);
    buf.writeBigUInt64LE(2304n, 0);
    buf.write('{"wte.weight": [garbage', 8);
    writeFileSync(p, buf);
    expect((await openError(p)).message).toMatch(/header is not valid JSON/);
    writeFileSync(p, rawSafetensors([1, 2], Buffer.alloc(0)));
    expect((await openError(p)).message).toMatch(/not a JSON object/);
  });

  it('rejects offsets past the file, overlaps, size mismatches and bad entries', async () => {
    const cases: [string, (h: Record<string, any>) => void, RegExp][] = [
      ['ln_f.bias', (h) => (h['ln_f.bias'].data_offsets = [240000, 240128]), /run past the end of the data section/],
      ['h.0.ln_1.bias', (h) => (h['h.0.ln_1.bias'].data_offsets = h['h.0.ln_1.weight'].data_offsets), /overlaps tensor 'h.0.ln_1.weight'/],
      ['wpe.weight', (h) => (h['wpe.weight'].shape = [64, 33]), /shape \[64, 33\] needs 8448 bytes but data_offsets .* hold 8192/],
      ['wpe.weight', (h) => (h['wpe.weight'].dtype = 'F17'), /unknown dtype "F17"/],
      ['wpe.weight', (h) => (h['wpe.weight'].shape = [64, -32]), /not a list of non-negative integers/],
      ['wpe.weight', (h) => (h['wpe.weight'].data_offsets = [8192, 0]), /not \[begin, end\]/],
      ['wpe.weight', (h) => (h['wpe.weight'] = 'oops'), /not an object/],
    ];
    for (const [tensor, edit, msg] of cases) {
      const p = copy();
      editHeader(p, edit);
      expect((await openError(p, tensor)).message).toMatch(msg);
    }
    const p = copy();
    editHeader(p, (h) => (h.__metadata__ = { format: 3 }));
    expect((await openError(p)).message).toMatch(/__metadata__.format is not a string/);
  });

  it('reports a missing file clearly', async () => {
    expect((await openError(join(dir, 'absent.safetensors'))).message).toMatch(/cannot open/);
  });
});

describe('writeSafetensors', () => {
  const data = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));

  it('writes F32 exactly, with a space-padded 8-byte-aligned header and metadata', async () => {
    const p = join(dir, 'w32.safetensors');
    await writeSafetensors(p, { b: { dtype: 'F32', shape: [3, 20], data }, a: { dtype: 'F16', shape: [60], data } }, { note: 'x' });
    const buf = readFileSync(p);
    const len = Number(buf.readBigUInt64LE(0));
    expect(len % 8).toBe(0);
    expect(buf.subarray(8, 8 + len).toString().trimEnd().length).toBeLessThanOrEqual(len);
    expect(buf.subarray(8, 8 + len).toString()).toMatch(/} *$/);
    const st = await SafetensorsFile.open(p);
    expect(st.metadata).toEqual({ note: 'x' });
    expect(st.tensors.get('b')!.byteOffset).toBe(8 + len); // widest dtype first keeps F32 4-byte aligned
    expect(st.readFloat32('b')).toEqual(data);
    await st.close();
  });

  it('round-trips F16 and BF16 within their precision', async () => {
    const p = join(dir, 'w16.safetensors');
    await writeSafetensors(p, { h: { dtype: 'F16', shape: [60], data }, b: { dtype: 'BF16', shape: [60], data } });
    const st = await SafetensorsFile.open(p);
    const h = st.readFloat32('h');
    const b = st.readFloat32('b');
    data.forEach((x, i) => {
      // F16: 11 significant bits (subnormal below 2^-14 keeps an absolute 2^-25); BF16: 8 bits.
      expect(Math.abs(h[i] - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
      expect(Math.abs(b[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
    });
    await st.close();
  });

  it('rejects data that does not fill its shape', async () => {
    await expect(writeSafetensors(join(dir, 'bad.safetensors'), { t: { dtype: 'F32', shape: [7], data } })).rejects.toThrow(/shape \[7\] holds 7 values but data has 60/);
  });
});

describe('float16 / bfloat16 conversion', () => {
  it('round-trips every float16 bit pattern', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const f = f16ToF32(all);
    const wrong: number[] = [];
    for (let i = 0; i < 65536; i++) {
      const back = f32ToF16Bits(f[i]);
      if (Number.isNaN(f[i]) ? (back & 0x7c00) !== 0x7c00 || (back & 0x3ff) === 0 : back !== i) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(f[0x3c00]).toBe(1);
    expect(f[0x7bff]).toBe(65504);
    expect(f[0x0001]).toBe(2 ** -24);
    expect(f[0xfc00]).toBe(-Infinity);
  });

  it('rounds to nearest even and saturates to infinity', () => {
    const half = (x: number) => f16ToF32(Uint16Array.of(f32ToF16Bits(x)))[0];
    expect(half(1 + 2 ** -11)).toBe(1);
    expect(half(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(half(65520)).toBe(Infinity);
    expect(half(65519)).toBe(65504);
    expect(half(2 ** -25)).toBe(0);
    expect(half(3 * 2 ** -26)).toBe(2 ** -24);
    expect(Object.is(half(-0), -0)).toBe(true);
    const bf = (x: number) => bf16ToF32(Uint16Array.of(f32ToBF16Bits(x)))[0];
    expect(bf(1 + 2 ** -8)).toBe(1);
    expect(bf(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(bf(-2.5)).toBe(-2.5);
    expect(Number.isNaN(bf(NaN))).toBe(true);
  });
});
