/** TransformerLens hook names a model of a given shape has, and which index parts (`[head=…, pos=…]`) each takes. */
import type { ModelShape } from '../plan/types.js';

const GLOBAL = ['hook_embed', 'hook_pos_embed', 'ln_final.hook_scale', 'ln_final.hook_normalized'];
const PER_HEAD = ['attn.hook_q', 'attn.hook_k', 'attn.hook_v', 'attn.hook_z', 'attn.hook_result'];
const PATTERN = ['attn.hook_attn_scores', 'attn.hook_pattern'];
const PER_BLOCK = [
  'hook_resid_pre', 'ln1.hook_scale', 'ln1.hook_normalized', ...PER_HEAD, ...PATTERN, 'hook_attn_out', 'hook_resid_mid',
  'ln2.hook_scale', 'ln2.hook_normalized', 'mlp.hook_pre', 'mlp.hook_post', 'hook_mlp_out', 'hook_resid_post',
];

export function hookNames(shape: ModelShape): string[] {
  const out = ['hook_embed', 'hook_pos_embed'];
  for (let l = 0; l < shape.nLayers; l++) for (const h of PER_BLOCK) out.push(`blocks.${l}.${h}`);
  return [...out, 'ln_final.hook_scale', 'ln_final.hook_normalized'];
}

export interface HookInfo { name: string; layer: number | null; suffix: string; indexKeys: string[] }

/** Splits a hook name; undefined when it is not a hook of this shape (the caller reports with suggestions). */
export function hookInfo(name: string, shape: ModelShape): HookInfo | { error: string } {
  if (GLOBAL.includes(name)) return { name, layer: null, suffix: name, indexKeys: ['pos'] };
  const m = /^blocks\.([0-9]+)\.(.+)$/.exec(name);
  if (!m) return { error: `unknown hook '${name}'` };
  const layer = Number(m[1]);
  const suffix = m[2];
  if (!PER_BLOCK.includes(suffix)) return { error: `unknown hook '${name}'` };
  if (layer >= shape.nLayers) return { error: `layer ${layer} is outside the model (layers 0..${shape.nLayers - 1})` };
  const indexKeys = PER_HEAD.includes(suffix) ? ['head', 'pos'] : PATTERN.includes(suffix) ? ['head', 'query', 'key'] : ['pos'];
  return { name, layer, suffix, indexKeys };
}

/** The per-head activation named by an intervention's `hook:` field. */
export function headHookSuffix(hook: string | undefined): string {
  const h = hook ?? 'z';
  return h === 'pattern' || h === 'attn_scores' ? `attn.hook_${h}` : `attn.hook_${h}`;
}
