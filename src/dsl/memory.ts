/** Memory budget → batch size, from a rough count of the activations one prompt keeps during shared runs. */
import type { ModelShape, PlanTask } from '../plan/types.js';

export const DEFAULT_BATCH_SIZE = 16;

export function parseBytes(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(KB|MB|GB)$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * { KB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'KB' | 'MB' | 'GB'];
}

/**
 * fp32 bytes per prompt of P positions: per layer the residual stream and block outputs (~5·d), q/k/v/z (4·d),
 * per-head results (H·d), the MLP hidden pair (2·dMlp = 8·d) and the attention pattern (H·P), for the clean
 * and the corrupted run.
 */
export function bytesPerPrompt(shape: ModelShape, positions: number): number {
  const d = shape.dModel;
  const perLayer = positions * (17 * d + shape.nHeads * d + shape.nHeads * positions);
  return 4 * 2 * shape.nLayers * perLayer;
}

export function batchSizeFor(memory: string | undefined, shape: ModelShape, tasks: PlanTask[]): number {
  if (!memory) return DEFAULT_BATCH_SIZE;
  const positions = Math.max(16, ...tasks.map((t) => t.positions ?? 64));
  const n = Math.floor(parseBytes(memory) / bytesPerPrompt(shape, positions));
  return Math.max(1, Math.min(256, n));
}
