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
  /** Intermediate Colored Objects targets, weights times cobjWeight (data.ts colourTargets): each listed object →
   *  its own colour in answer form, read after block `objectsAfter` (an early exit, so that the colour is bound to
   *  its object before the layers that look it up), and the question's object → the answer. */
  cobjTargets?: { objects: number; question: number; objectsAfter?: number };
  /** Auxiliary attention loss (weight · −log attention) on these heads, from the question's object to the listed
   *  object it names: the one step of the lookup that gradient descent does not find here (COLORED-OBJECTS.md). */
  lookupAttention?: { layer: number; head: number; weight: number }[];
  evalEvery: number;
  /** Learning-rate multiplier for the query and key columns of every c_attn (default 1): attention maps are the
   *  slow part of leaving the IOI plateau. */
  qkLrScale?: number;
  /** Start from this organism's checkpoint (same output folder; trained first) instead of random weights. */
  init?: string;
  /** With `init`: words the earlier organism never trained start as its shared row plus N(0, newRowStd²), so that
   *  two colours or two objects differ from the first step. */
  newRowStd?: number;
  /** Stop early once held-out IOI accuracy (pairs and template) reaches `ioi`, and Colored Objects accuracy
   *  `cobj` when given, at `patience` evals in a row. */
  stopAt?: { ioi: number; patience: number; cobj?: number };
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

const SHAPE = { nLayers: 4, nHeads: 4, dModel: 64, nCtx: 64 };

/** What every IOI-only recipe shares: the shape, 64 prompts a step, template 8 held out, loss at END. */
const IOI_ONLY = {
  shape: SHAPE, ioiBatch: 64, heldOutTemplate: 8, cobjBatch: 0, cobjWeight: 0, loss: 'end', evalEvery: 100,
} as const;

/**
 * Order matters: a recipe with `init` starts from an organism trained before it.
 * - `ioi-s` (4 layers, 4 heads of size 16, d_model 64): IOI answers one of the two names within ~300 steps, sits
 *   at ~50% between them until ~1,300, then the circuit forms (held-out accuracy 94% at 1,600, 98% at 2,000);
 *   training stops once held-out accuracy passes 97% three evaluations in a row. This needs the learned shared
 *   row for untrained tokens (net.ts): with zero rows instead, the same recipe stayed on the plateau for 7,000
 *   steps, and so did d_model 96 with 3 heads of size 32.
 * - `ioi-s-plateau`: the same recipe stopped after 800 steps, on the plateau: a trained model of the same shape
 *   with no IOI circuit (the negative control for the organism specs).
 * - `ioi-cobj-s`: `ioi-s` trained on IOI (48 prompts a step) and Colored Objects (64) together, stopped at the
 *   first evaluation with held-out IOI ≥ 95% and Colored Objects ≥ 60% (above chance, imperfect: room for a
 *   repair). Colored Objects needs a lookup: match the question's object to the listed one, read the colour bound
 *   to it. Three aids, all in the loss or the start, none in the weights: intermediate targets (each listed object →
 *   its colour, read after block 2; the question's object → the answer), new words started apart (+N(0, 0.3²)),
 *   and an auxiliary loss on head 0.3's attention from the question's object to the listed object it names. That
 *   last one plants the match: without it no run formed one (by layer 1 the object's identity is drowned in what
 *   layer 0 writes); with it the rest of the lookup forms by itself after ~1,000 steps. See COLORED-OBJECTS.md.
 */
export const RECIPES: Record<string, Recipe> = {
  'ioi-s': {
    ...IOI_ONLY,
    name: 'ioi-s',
    description: 'IOI organism: 4 layers x 4 heads, d_model 64, trained on BABA+ABBA IOI prompts until the circuit forms',
    seed: 7,
    optim: { ...OPTIM },
    stopAt: { ioi: 0.97, patience: 3 },
  },
  'ioi-s-plateau': {
    ...IOI_ONLY,
    name: 'ioi-s-plateau',
    description: 'IOI negative control: the ioi-s recipe stopped after 800 steps, on the ~50% plateau (no IOI circuit)',
    seed: 7,
    optim: { ...OPTIM, steps: 800 },
  },
  'ioi-cobj-s': {
    name: 'ioi-cobj-s',
    description: 'IOI + Colored Objects organism: ioi-s trained on IOI and Colored Objects prompts together, with intermediate targets and a planted first lookup step (head 0.3)',
    seed: 4,
    shape: SHAPE,
    optim: { ...OPTIM, weightDecay: 0, warmup: 50, steps: 2000, minLrFrac: 1 },
    ioiBatch: 48,
    heldOutTemplate: 8,
    cobjBatch: 64,
    cobjWeight: 1,
    cobjTargets: { objects: 1, question: 1, objectsAfter: 2 },
    lookupAttention: [{ layer: 0, head: 3, weight: 1 }],
    newRowStd: 0.3,
    loss: 'end',
    evalEvery: 100,
    init: 'ioi-s',
    stopAt: { ioi: 0.95, cobj: 0.6, patience: 1 },
  },
};
