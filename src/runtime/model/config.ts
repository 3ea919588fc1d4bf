/** The model's shape as one plain record (nanoGPT's GPTConfig), built from a Hugging Face config.json or a name. */
import { CircuitspecError } from '../../errors.js';
import { TANH_GELUS, type HFGPT2Config } from '../io/checkpoint.js';

export interface ModelConfig {
  nLayers: number;
  nHeads: number;
  dModel: number;
  dHead: number;
  dMlp: number;
  dVocab: number;
  nCtx: number;
  layerNormEps: number;
  actFn: 'gelu_new';
}

/** The fields of a Hugging Face GPT-2 config.json we read. */
export type HFConfigRecord = HFGPT2Config;


export function configFromHF(hf: HFConfigRecord, file = 'config.json'): ModelConfig {
  const need = (field: keyof HFConfigRecord): number => {
    const v = hf[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new CircuitspecError(`${String(field)} must be a positive number, got ${JSON.stringify(v)}`, { file, field: String(field) });
    }
    return v;
  };
  const nLayers = need('n_layer');
  const nHeads = need('n_head');
  const dModel = need('n_embd');
  if (dModel % nHeads !== 0) {
    throw new CircuitspecError(`n_embd ${dModel} is not divisible by n_head ${nHeads}`, { file, field: 'n_embd' });
  }
  if (!TANH_GELUS.has(hf.activation_function)) {
    throw new CircuitspecError(
      `activation_function '${hf.activation_function}' is not supported (GPT-2 uses 'gelu_new', the tanh GELU; also accepted: ${[...TANH_GELUS].join(', ')})`,
      { file, field: 'activation_function' },
    );
  }
  return {
    nLayers,
    nHeads,
    dModel,
    dHead: dModel / nHeads,
    dMlp: hf.n_inner ?? 4 * dModel,
    dVocab: need('vocab_size'),
    nCtx: need('n_positions'),
    layerNormEps: need('layer_norm_epsilon'),
    actFn: 'gelu_new',
  };
}

/** The GPT-2 family's shapes, for `random:<name>` models. */
export const NAMED_SHAPES: Readonly<Record<string, { nLayers: number; nHeads: number; dModel: number; nCtx?: number }>> = {
  gpt2: { nLayers: 12, nHeads: 12, dModel: 768 },
  'gpt2-medium': { nLayers: 24, nHeads: 16, dModel: 1024 },
  'gpt2-large': { nLayers: 36, nHeads: 20, dModel: 1280 },
  'gpt2-xl': { nLayers: 48, nHeads: 25, dModel: 1600 },
  distilgpt2: { nLayers: 6, nHeads: 12, dModel: 768 },
  tiny: { nLayers: 2, nHeads: 4, dModel: 32, nCtx: 64 },
  /** GPT-2 medium's 24 layers × 16 heads and vocabulary at d_model 64: the paper's specs end to end, fast (CI). */
  'gpt2-medium-narrow': { nLayers: 24, nHeads: 16, dModel: 64 },
};

export function namedConfig(name: string): ModelConfig {
  const s = NAMED_SHAPES[name];
  if (!s) {
    throw new CircuitspecError(`unknown model shape '${name}' (known: ${Object.keys(NAMED_SHAPES).join(', ')})`, { field: 'model' });
  }
  return {
    nLayers: s.nLayers,
    nHeads: s.nHeads,
    dModel: s.dModel,
    dHead: s.dModel / s.nHeads,
    dMlp: 4 * s.dModel,
    dVocab: 50257,
    nCtx: s.nCtx ?? 1024,
    layerNormEps: 1e-5,
    actFn: 'gelu_new',
  };
}
