/** Normalised patching score: 0 = the clean behaviour, 1 = the corrupted behaviour. */
import { CircuitspecError } from '../../errors.js';

export function patchingScore(patched: number, clean: number, corrupted: number): number {
  const gap = corrupted - clean;
  if (gap === 0) throw new CircuitspecError('patching score is undefined: the clean and corrupted runs have the same metric value');
  return (patched - clean) / gap + 0; // + 0 turns −0 into 0
}
