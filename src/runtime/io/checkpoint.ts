/**
 * Hugging Face GPT-2 checkpoints: config.json validation and model.safetensors key normalisation.
 * Every required tensor is checked (present, float dtype, shape implied by the config) when the checkpoint is
 * opened, before any weight is read, so a bad file never yields a half-loaded model.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CircuitspecError } from '../../errors.js';
import { FLOAT_DTYPES } from './dtypes.js';
import { sha256File } from './hash.js';
import { SafetensorsFile, type TensorInfo } from './safetensors.js';

export interface HFGPT2Config {
  n_layer: number;
  n_head: number;
  n_embd: number;
  n_positions: number;
  vocab_size: number;
  layer_norm_epsilon: number;
  activation_function: string;
  n_inner?: number | null;
  bos_token_id?: number;
  eos_token_id?: number;
}

/** HF's tanh-approximation GELUs; all compute GPT-2's `gelu_new`. */
export const TANH_GELUS: ReadonlySet<string> = new Set(['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast']);

export async function readHFConfig(folder: string): Promise<HFGPT2Config> {
  const file = join(folder, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CircuitspecError(`cannot read the model's config.json: ${(e as Error).message}`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CircuitspecError(`config.json is not valid JSON: ${(e as Error).message}`, { file });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CircuitspecError('config.json is not a JSON object', { file });
  const c = raw as Record<string, unknown>;
  const bad = (field: string, msg: string) => new CircuitspecError(`${field} ${msg}`, { file, field });

  if (c.model_type !== undefined && c.model_type !== 'gpt2') {
    throw bad('model_type', `is ${JSON.stringify(c.model_type)}; only GPT-2-architecture models ('gpt2') are supported`);
  }
  const posInt = (field: string, value: unknown = c[field]): number => {
    if (value === undefined) throw bad(field, 'is missing');
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw bad(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    return value;
  };
  const n_layer = posInt('n_layer');
  const n_head = posInt('n_head');
  const n_embd = posInt('n_embd');
  const vocab_size = posInt('vocab_size');
  // Old GPT-2 configs name the context length n_ctx.
  const n_positions = c.n_positions === undefined && c.n_ctx !== undefined ? posInt('n_ctx') : posInt('n_positions');
  if (n_embd % n_head !== 0) throw bad('n_embd', `(${n_embd}) must be divisible by n_head (${n_head})`);

  const eps = c.layer_norm_epsilon ?? 1e-5; // GPT2Config's default
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) throw bad('layer_norm_epsilon', `must be a positive number, got ${JSON.stringify(eps)}`);
  const act = c.activation_function ?? 'gelu_new';
  if (typeof act !== 'string' || !TANH_GELUS.has(act)) {
    throw bad('activation_function', `is ${JSON.stringify(act)}; supported: ${[...TANH_GELUS].join(', ')} (GPT-2's tanh GELU)`);
  }
  let n_inner: number | null = null;
  if (c.n_inner !== undefined && c.n_inner !== null) n_inner = posInt('n_inner');

  const config: HFGPT2Config = { n_layer, n_head, n_embd, n_positions, vocab_size, layer_norm_epsilon: eps, activation_function: act, n_inner };
  for (const field of ['bos_token_id', 'eos_token_id'] as const) {
    const v = c[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= vocab_size) {
      throw bad(field, `must be an integer in [0, ${vocab_size}), got ${JSON.stringify(v)}`);
    }
    config[field] = v;
  }
  return config;
}

/** Canonical key → expected shape, for every tensor a GPT-2 of this config needs. */
export function gpt2TensorShapes(config: HFGPT2Config): Map<string, number[]> {
  const d = config.n_embd;
  const m = config.n_inner ?? 4 * d;
  const shapes = new Map<string, number[]>([
    ['wte.weight', [config.vocab_size, d]],
    ['wpe.weight', [config.n_positions, d]],
  ]);
  for (let l = 0; l < config.n_layer; l++) {
    const p = `h.${l}.`;
    shapes.set(p + 'ln_1.weight', [d]);
    shapes.set(p + 'ln_1.bias', [d]);
    shapes.set(p + 'attn.c_attn.weight', [d, 3 * d]); // Conv1D layout [in, out]
    shapes.set(p + 'attn.c_attn.bias', [3 * d]);
    shapes.set(p + 'attn.c_proj.weight', [d, d]);
    shapes.set(p + 'attn.c_proj.bias', [d]);
    shapes.set(p + 'ln_2.weight', [d]);
    shapes.set(p + 'ln_2.bias', [d]);
    shapes.set(p + 'mlp.c_fc.weight', [d, m]);
    shapes.set(p + 'mlp.c_fc.bias', [m]);
    shapes.set(p + 'mlp.c_proj.weight', [m, d]);
    shapes.set(p + 'mlp.c_proj.bias', [d]);
  }
  shapes.set('ln_f.weight', [d]);
  shapes.set('ln_f.bias', [d]);
  return shapes;
}

/** Causal-mask buffers some exports keep; they are not weights. */
const IGNORED = /^h\.\d+\.attn\.(bias|masked_bias)$/;

export interface GPT2Checkpoint {
  /** Canonical key (no `transformer.` prefix); 'lm_head.weight' [V, d] is wte when tied or absent. */
  get(key: string): Float32Array;
  /** sha256 (hex) of model.safetensors. */
  weightHash: string;
  close(): Promise<void>;
}

/** Canonical key → name in the file, after checking every tensor the config implies (presence, dtype, shape). */
function checkGPT2Tensors(file: string, st: SafetensorsFile, config: HFGPT2Config): { fileKey: Map<string, string>; expected: Map<string, number[]> } {
  const fileKey = new Map<string, string>(); // canonical → name in the file
  for (const name of st.tensors.keys()) {
    const key = name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
    if (IGNORED.test(key)) continue;
    if (fileKey.has(key)) throw new CircuitspecError(`tensor '${key}' appears both with and without the 'transformer.' prefix`, { file, field: name });
    fileKey.set(key, name);
  }
  const expected = gpt2TensorShapes(config);
  expected.set('lm_head.weight', [config.vocab_size, config.n_embd]);
  for (const [key, shape] of expected) {
    const name = fileKey.get(key);
    if (name === undefined) {
      if (key === 'lm_head.weight') continue;
      throw new CircuitspecError(`tensor '${key}' is missing (the config implies shape [${shape.join(', ')}])`, { file, field: key });
    }
    checkTensor(file, st.tensors.get(name)!, shape);
  }
  return { fileKey, expected };
}

function safetensorsPath(folder: string): string {
  const file = join(folder, 'model.safetensors');
  if (!existsSync(file)) {
    const hint = existsSync(join(folder, 'model.safetensors.index.json')) ? ' (sharded checkpoints are not supported)' : existsSync(join(folder, 'pytorch_model.bin')) ? ' (only pytorch_model.bin found: convert it to safetensors)' : '';
    throw new CircuitspecError(`no model.safetensors in ${folder}${hint}`, { file });
  }
  return file;
}

/**
 * Checks a checkpoint against its config from the safetensors header alone (the header is validated against the
 * file size, so truncation shows too): no weight is read, so this is cheap enough for `validate`.
 */
export async function inspectGPT2Checkpoint(folder: string, config: HFGPT2Config): Promise<void> {
  const st = await SafetensorsFile.open(safetensorsPath(folder));
  try {
    checkGPT2Tensors(st.path, st, config);
  } finally {
    await st.close();
  }
}

export async function openGPT2Checkpoint(folder: string, config: HFGPT2Config): Promise<GPT2Checkpoint> {
  const file = safetensorsPath(folder);
  const st = await SafetensorsFile.open(file);
  try {
    const { fileKey, expected } = checkGPT2Tensors(file, st, config);
    const weightHash = await sha256File(file);
    return {
      get(key: string): Float32Array {
        if (!expected.has(key)) throw new CircuitspecError(`'${key}' is not a GPT-2 weight of this config`, { file, field: key });
        const name = fileKey.get(key) ?? (key === 'lm_head.weight' ? fileKey.get('wte.weight')! : undefined);
        if (name === undefined) throw new CircuitspecError(`tensor '${key}' is missing`, { file, field: key });
        return checkFinite(file, name, st.readFloat32(name));
      },
      weightHash,
      close: () => st.close(),
    };
  } catch (e) {
    await st.close();
    throw e;
  }
}

/** A NaN or infinite weight makes every metric meaningless (accuracy 0, NaN logit differences): refuse it here. */
function checkFinite(file: string, name: string, data: Float32Array): Float32Array {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new CircuitspecError(`tensor '${name}' holds ${data[i]} at index ${i}: the checkpoint is corrupt (weights must be finite)`, { file, field: name });
    }
  }
  return data;
}

function checkTensor(file: string, t: TensorInfo, shape: number[]): void {
  if (!FLOAT_DTYPES.has(t.dtype)) throw new CircuitspecError(`tensor '${t.name}' has dtype ${t.dtype}; expected F32, F16 or BF16`, { file, field: t.name });
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new CircuitspecError(`tensor '${t.name}' has shape [${t.shape.join(', ')}] but the config implies [${shape.join(', ')}]`, { file, field: t.name });
  }
}
