/**
 * Start training from an earlier organism's checkpoint (documented in the recipe and the training record):
 * every weight is read from it. Rows the earlier organism trained (its training-record.json lists them) are
 * copied; every other row — new words such as Colored Objects' colours when starting from the IOI organism, and
 * the shared row — starts as that checkpoint's shared untrained row, so training starts from exactly the function
 * the earlier organism computes (unless `newRows` starts the new words apart).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openGPT2Checkpoint, readHFConfig } from '../runtime/io/checkpoint.js';
import { CircuitspecError } from '../errors.js';
import { exportVariables } from './export.js';
import type { NetParams, NetShape } from './net.js';
import type { SubVocab } from './vocab.js';
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../runtime/util/rng.js';

async function trainedIds(folder: string): Promise<Set<number>> {
  const file = join(folder, 'training-record.json');
  try {
    const ids = (JSON.parse(await readFile(file, 'utf8')) as { trainedTokenIds?: number[] }).trainedTokenIds;
    if (!Array.isArray(ids)) throw new Error('no trainedTokenIds');
    return new Set(ids);
  } catch (e) {
    throw new CircuitspecError(`cannot start from ${folder}: ${(e as Error).message}`, { file });
  }
}

/**
 * `newRows`: new words' rows start as the shared row plus N(0, std²) noise, so that they differ from the start:
 * with all of them equal (and tied to the unembedding) nothing tells two colours or two objects apart until noise in
 * the gradients does, and the Colored Objects lookup never starts (COLORED-OBJECTS.md).
 */
export async function warmStart(folder: string, p: NetParams, s: NetShape, vocab: SubVocab, newRows?: { std: number; rng: Rng }): Promise<{ copiedRows: number; newRowStd: number }> {
  const hf = await readHFConfig(folder);
  if (hf.n_layer !== s.nLayers || hf.n_head !== s.nHeads || hf.n_embd !== s.dModel || hf.n_positions !== s.nCtx) {
    throw new CircuitspecError(`cannot start from ${folder}: its shape (${hf.n_layer} layers, ${hf.n_head} heads, d ${hf.n_embd}, ctx ${hf.n_positions}) differs from the recipe's`, { file: folder });
  }
  const trained = await trainedIds(folder);
  const ckpt = await openGPT2Checkpoint(folder, hf);
  try {
    const D = s.dModel;
    // The exporter's key → variable pairing, so the two cannot drift apart.
    for (const [key, v] of exportVariables(p)) v.assign(tf.tensor(ckpt.get(key), v.shape));
    const full = ckpt.get('wte.weight'); // [V, D]
    let sharedId = 0;
    while (trained.has(sharedId)) sharedId++;
    const row = (g: number): Float32Array => full.subarray(g * D, (g + 1) * D);
    const rows = new Float32Array((vocab.size + 1) * D); // [nSub + 1, D]
    let copied = 0;
    vocab.ids.forEach((g, i) => {
      rows.set(trained.has(g) ? row(g) : row(sharedId), i * D);
      if (trained.has(g)) copied++;
      else if (newRows) for (let d = 0; d < D; d++) rows[i * D + d] += newRows.rng.normal() * newRows.std;
    });
    rows.set(row(sharedId), vocab.size * D);
    p.wte.assign(tf.tensor2d(rows, [vocab.size + 1, D]));
    return { copiedRows: copied, newRowStd: newRows?.std ?? 0 };
  } finally {
    await ckpt.close();
  }
}
