/** The organisms: one plain record each (model shape, optimiser, data mix, stopping rule). */
import type { AdamWConfig } from './adamw.js';
import { IOI_TEMPLATE_COUNT } from './data.js';

export interface Recipe {
  name: string;
  description: string;
  seed: number;
  shape: { nLayers: number; nHeads: number; dModel: number; nCtx: number };
  optim: AdamWConfig;
  /** IOI prompts per step (BABA + ABBA templates except the held-out one, name pairs except held-out pairs). */
  ioiBatch: number;
  /** BABA template index held out of training (with its ABBA form). */
  heldOutTemplate: number;
  /** Colored Objects prompts per step (0: none) and the weight of their loss. */
  cobjBatch: number;
  cobjWeight: number;
  /** Loss at the END token only ('end') or next-token loss at every position with END weighted ('all'). */
  loss: 'end' | 'all';
  evalEvery: number;
  /** Start from this organism's checkpoint (same output folder; trained first) instead of random weights. */
  init?: string;
  /** Stop early once held-out IOI accuracy (pairs and template) reaches this at `patience` evals in a row. */
  stopAt?: { ioi: number; patience: number };
}

export function trainTemplateIds(r: Recipe): number[] {
  const held = new Set([r.heldOutTemplate, r.heldOutTemplate + IOI_TEMPLATE_COUNT / 2]);
  return Array.from({ length: IOI_TEMPLATE_COUNT }, (_, i) => i).filter((i) => !held.has(i));
}

export function heldTemplateIds(r: Recipe): number[] {
  return [r.heldOutTemplate, r.heldOutTemplate + IOI_TEMPLATE_COUNT / 2];
}

const OPTIM: AdamWConfig = {
  lr: 3e-3, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.1, clip: 1, warmup: 100, steps: 3000, minLrFrac: 0.1,
};

export const RECIPES: Record<string, Recipe> = {
  'ioi-s': {
    name: 'ioi-s',
    description: 'IOI organism: 4 layers x 4 heads, d_model 64, trained on BABA+ABBA IOI prompts',
    seed: 1,
    shape: { nLayers: 4, nHeads: 4, dModel: 64, nCtx: 64 },
    optim: { ...OPTIM },
    ioiBatch: 64,
    heldOutTemplate: 8,
    cobjBatch: 0,
    cobjWeight: 0,
    loss: 'end',
    evalEvery: 100,
    stopAt: { ioi: 0.97, patience: 3 },
  },
  'ioi-cobj-s': {
    name: 'ioi-cobj-s',
    description: 'IOI + Colored Objects organism: 4 layers x 4 heads, d_model 64, trained on both tasks at once',
    seed: 2,
    shape: { nLayers: 4, nHeads: 4, dModel: 64, nCtx: 64 },
    optim: { ...OPTIM },
    ioiBatch: 64,
    heldOutTemplate: 8,
    cobjBatch: 16,
    cobjWeight: 1,
    loss: 'end',
    evalEvery: 100,
    stopAt: { ioi: 0.97, patience: 3 },
  },
};
