/**
 * Start training from an earlier organism's checkpoint (documented in the recipe and the training record):
 * every weight is read from it; embedding rows it never trained (all zero there, e.g. Colored Objects words
 * when starting from the IOI organism) keep their fresh random initialisation.
 */
import { openGPT2Checkpoint, readHFConfig } from '../runtime/io/checkpoint.js';
import { CircuitspecError } from '../errors.js';
import { exportVariables } from './export.js';
import type { NetParams, NetShape } from './net.js';
import type { SubVocab } from './vocab.js';
import * as tf from '@tensorflow/tfjs';

export async function warmStart(folder: string, p: NetParams, s: NetShape, vocab: SubVocab): Promise<{ copiedRows: number }> {
  const hf = await readHFConfig(folder);
  if (hf.n_layer !== s.nLayers || hf.n_head !== s.nHeads || hf.n_embd !== s.dModel || hf.n_positions !== s.nCtx) {
    throw new CircuitspecError(`cannot start from ${folder}: its shape (${hf.n_layer} layers, ${hf.n_head} heads, d ${hf.n_embd}, ctx ${hf.n_positions}) differs from the recipe's`, { file: folder });
  }
  const ckpt = await openGPT2Checkpoint(folder, hf);
  try {
    const D = s.dModel;
    // The exporter's key → variable pairing, so the two cannot drift apart.
    for (const [key, v] of exportVariables(p)) v.assign(tf.tensor(ckpt.get(key), v.shape));
    const full = ckpt.get('wte.weight'); // [V, D]
    const sub = (p.wte.arraySync() as number[][]).map((r) => Float32Array.from(r));
    let copied = 0;
    vocab.ids.forEach((g, i) => {
      const row = full.subarray(g * D, (g + 1) * D);
      if (row.some((x) => x !== 0)) {
        sub[i] = Float32Array.from(row);
        copied++;
      }
    });
    p.wte.assign(tf.tensor2d(sub.map((r) => Array.from(r))));
    return { copiedRows: copied };
  } finally {
    await ckpt.close();
  }
}
