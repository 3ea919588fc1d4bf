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
  /** Learning-rate multiplier for the query and key columns of every c_attn (default 1): attention maps are the
   *  slow part of leaving the IOI plateau. */
  qkLrScale?: number;
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

const MAIN_SHAPE = { nLayers: 4, nHeads: 3, dModel: 96, nCtx: 64 };

/**
 * Order matters: a recipe with `init` starts from an organism trained before it.
 * - `ioi-s-plateau` (d_model 64, 4 heads of size 16): 3000 steps on IOI, stuck on the ~50% plateau (answers one
 *   of the two names at chance). Kept as a negative control: a trained model with no IOI circuit. Continuing it
 *   (1500 more steps with weight decay 0.1, then 0, then with a 4x learning rate on queries and keys) never left
 *   the plateau either.
 * - `ioi-s` (d_model 96, 3 heads of size 32): leaves the plateau like the PyTorch reference (d_model 128, heads
 *   of size 32); stops once held-out accuracy passes 97% twice in a row.
 * - `ioi-cobj-s`: `ioi-s` trained on IOI and Colored Objects prompts together for a fixed, short time.
 */
export const RECIPES: Record<string, Recipe> = {
  'ioi-s-plateau': {
    name: 'ioi-s-plateau',
    description: 'IOI negative control: 4 layers x 4 heads, d_model 64; 3000 steps on IOI, stuck on the ~50% plateau (no IOI circuit)',
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
  'ioi-s': {
    name: 'ioi-s',
    description: 'IOI organism: 4 layers x 3 heads, d_model 96 (head size 32), trained on BABA+ABBA IOI prompts',
    seed: 3,
    shape: MAIN_SHAPE,
    optim: { ...OPTIM, lr: 2e-3, warmup: 200, steps: 4000 },
    ioiBatch: 64,
    heldOutTemplate: 8,
    cobjBatch: 0,
    cobjWeight: 0,
    loss: 'end',
    evalEvery: 100,
    stopAt: { ioi: 0.97, patience: 2 },
  },
  'ioi-cobj-s': {
    name: 'ioi-cobj-s',
    description: 'IOI + Colored Objects organism: ioi-s trained on IOI and Colored Objects prompts together',
    seed: 4,
    shape: MAIN_SHAPE,
    optim: { ...OPTIM, lr: 2e-3, warmup: 50, steps: 800, minLrFrac: 0.3 },
    ioiBatch: 48,
    heldOutTemplate: 8,
    cobjBatch: 16,
    cobjWeight: 1,
    loss: 'end',
    evalEvery: 100,
    init: 'ioi-s',
  },
};
