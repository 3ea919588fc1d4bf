// GPT-2 checkpoint loading: config validation, key normalisation, real-world variants, and errors that name
// file + tensor before any weight is read.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CircuitspecError } from '../../../src/errors.js';
import { gpt2TensorShapes, openGPT2Checkpoint, readHFConfig, type HFGPT2Config } from '../../../src/runtime/io/checkpoint.js';
import { writeSafetensors, type WritableTensor } from '../../../src/runtime/io/safetensors.js';
import { FIXTURE, copyFixture, editHeader, fixtureTensors, tempDir } from './helpers.js';

const root = tempDir('ckpt');
let n = 0;
let config: HFGPT2Config;
let base: Record<string, WritableTensor>;

beforeAll(async () => {
  config = await readHFConfig(FIXTURE);
  base = await fixtureTensors();
});

/** A model folder with the fixture's config and the given tensors. */
async function variant(tensors: Record<string, WritableTensor>): Promise<string> {
  const dir = join(root, `v${n++}`);
  mkdirSync(dir);
  copyFileSync(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return dir;
}

function mapTensors(f: (name: string, t: WritableTensor) => [string, WritableTensor] | undefined): Record<string, WritableTensor> {
  const out: Record<string, WritableTensor> = {};
  for (const [name, t] of Object.entries(base)) {
    const r = f(name, t);
    if (r) out[r[0]] = r[1];
  }
  return out;
}

/** The error opening `dir` gives: a CircuitspecError naming model.safetensors and `tensor`. */
async function openError(dir: string, tensor: string): Promise<CircuitspecError> {
  const err = await openGPT2Checkpoint(dir, config).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CircuitspecError);
  const e = err as CircuitspecError;
  expect(e.location.file).toBe(join(dir, 'model.safetensors'));
  expect(e.message).toContain(tensor);
  return e;
}

/** Bitwise-equal arrays (toEqual on 32k-element typed arrays is slow). */
function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

describe('readHFConfig', () => {
  it('reads the fixture config', () => {
    expect(config).toEqual({
      n_layer: 2, n_head: 4, n_embd: 32, n_positions: 64, vocab_size: 1000, layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new', n_inner: null, bos_token_id: 999, eos_token_id: 999,
    });
  });

  it('gives clear errors for bad fields', async () => {
    const good = { model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 32, n_positions: 64, vocab_size: 1000, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ n_layer: undefined }, /n_layer is missing/],
      [{ n_head: 0 }, /n_head must be a positive integer, got 0/],
      [{ n_embd: 30 }, /n_embd \(30\) must be divisible by n_head \(4\)/],
      [{ vocab_size: '1000' }, /vocab_size must be a positive integer, got "1000"/],
      [{ activation_function: 'relu' }, /activation_function is "relu"; supported: gelu_new/],
      [{ layer_norm_epsilon: -1 }, /layer_norm_epsilon must be a positive number/],
      [{ model_type: 'llama' }, /only GPT-2-architecture/],
      [{ bos_token_id: 1000 }, /bos_token_id must be an integer in \[0, 1000\)/],
      [{ n_inner: 2.5 }, /n_inner must be a positive integer/],
    ];
    for (const [patch, msg] of cases) {
      const dir = join(root, `cfg${n++}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...good, ...patch }));
      const err = await readHFConfig(dir).catch((e) => e);
      expect(err).toBeInstanceOf(CircuitspecError);
      expect(err.message).toMatch(msg);
      expect(err.location.file).toBe(join(dir, 'config.json'));
    }
    const dir = join(root, `cfg${n++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...good, n_positions: undefined, n_ctx: 128, n_inner: 64 }));
    expect(await readHFConfig(dir)).toMatchObject({ n_positions: 128, n_inner: 64 });
    writeFileSync(join(dir, 'config.json'), '{"n_layer": 2,');
    await expect(readHFConfig(dir)).rejects.toThrow(/config.json is not valid JSON/);
    await expect(readHFConfig(join(root, 'missing'))).rejects.toThrow(/cannot read the model's config.json/);
  });
});

describe('openGPT2Checkpoint', () => {
  it('loads the fixture: every weight with its shape, lm_head tied to wte', async () => {
    const ckpt = await openGPT2Checkpoint(FIXTURE, config);
    for (const [key, shape] of gpt2TensorShapes(config)) expect(ckpt.get(key).length).toBe(shape.reduce((a, b) => a * b, 1));
    expect(same(ckpt.get('lm_head.weight'), ckpt.get('wte.weight'))).toBe(true);
    expect(same(ckpt.get('h.0.attn.c_attn.weight'), base['h.0.attn.c_attn.weight'].data)).toBe(true);
    expect(ckpt.weightHash).toMatch(/^[0-9a-f]{64}$/);
    expect(() => ckpt.get('h.2.ln_1.weight')).toThrow(CircuitspecError);
    await ckpt.close();
  });

  it('reads F16 and BF16 checkpoints within their precision', async () => {
    for (const [dtype, tol] of [['F16', 2 ** -10], ['BF16', 2 ** -7]] as const) {
      const dir = await variant(mapTensors((name, t) => [name, { ...t, dtype }]));
      const ckpt = await openGPT2Checkpoint(dir, config);
      for (const name of Object.keys(base)) expect(maxRelErr(ckpt.get(name), base[name].data)).toBeLessThan(tol);
      await ckpt.close();
    }
  });

  it('accepts a transformer. prefix, an untied lm_head.weight and attn.bias / masked_bias buffers', async () => {
    const lmHead = Float32Array.from(base['wte.weight'].data, (x) => -x);
    const tensors = mapTensors((name, t) => [`transformer.${name}`, t]);
    tensors['lm_head.weight'] = { dtype: 'F32', shape: [1000, 32], data: lmHead };
    for (const l of [0, 1]) {
      tensors[`transformer.h.${l}.attn.bias`] = { dtype: 'F32', shape: [1, 1, 64, 64], data: new Float32Array(64 * 64).fill(1) };
      tensors[`transformer.h.${l}.attn.masked_bias`] = { dtype: 'F32', shape: [], data: Float32Array.of(-1e4) };
    }
    const ckpt = await openGPT2Checkpoint(await variant(tensors), config);
    expect(same(ckpt.get('wte.weight'), base['wte.weight'].data)).toBe(true);
    expect(same(ckpt.get('h.1.mlp.c_proj.weight'), base['h.1.mlp.c_proj.weight'].data)).toBe(true);
    expect(same(ckpt.get('lm_head.weight'), lmHead)).toBe(true);
    expect(() => ckpt.get('h.0.attn.bias')).toThrow(/not a GPT-2 weight/);
    await ckpt.close();
  });

  it('names file and tensor for a missing tensor, a wrong shape, a wrong lm_head or a duplicated key', async () => {
    let e = await openError(await variant(mapTensors((name, t) => (name === 'h.1.mlp.c_fc.bias' ? undefined : [name, t]))), 'h.1.mlp.c_fc.bias');
    expect(e.message).toMatch(/is missing \(the config implies shape \[128\]\)/);

    const reshaped = mapTensors((name, t) => [name, name === 'h.0.attn.c_attn.weight' ? { ...t, shape: [96, 32] } : t]);
    e = await openError(await variant(reshaped), 'h.0.attn.c_attn.weight');
    expect(e.message).toMatch(/has shape \[96, 32\] but the config implies \[32, 96\]/);

    const badHead = { ...base, 'lm_head.weight': { dtype: 'F32' as const, shape: [999, 32], data: base['wte.weight'].data.subarray(0, 999 * 32) } };
    await openError(await variant(badHead), 'lm_head.weight');

    const dup = { ...base, 'transformer.wpe.weight': base['wpe.weight'] };
    e = await openError(await variant(dup), 'wpe.weight');
    expect(e.message).toMatch(/both with and without the 'transformer.' prefix/);
  });

  it('refuses a corrupt or truncated file before reading any weight', async () => {
    const dir = copyFixture(join(root, `c${n++}`));
    editHeader(join(dir, 'model.safetensors'), (h) => (h['ln_f.weight'].data_offsets = [1e9, 1e9 + 128]));
    await openError(dir, 'ln_f.weight');
    rmSync(join(dir, 'model.safetensors'));
    await expect(openGPT2Checkpoint(dir, config)).rejects.toThrow(/no model.safetensors in/);
  });
});
