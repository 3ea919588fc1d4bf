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
 * - `ioi-cobj-s`: `ioi-s` trained on IOI and Colored Objects prompts together for a fixed, short time. It keeps
 *   IOI (99%) and learns to answer with one of the query's three colours, but not the asked one (~33-38%).
 *   Longer runs did not change that: 1,800 steps with Colored-Objects-heavy batches (16 IOI + 24 Colored Objects
 *   prompts a step; lr 3e-3, or lr 5e-3 with the Colored Objects loss doubled) stayed at 29-36%, and so did
 *   2,000 steps of 8 IOI + 32 Colored Objects prompts (lr 3e-3, decay 0.05), with or without also supervising the
 *   solved example's answer (33-35%). A second round (code on the local branch organisms/cobj-experiments), from ioi-s:
 *   - new words' rows started apart instead of all equal (the shared row plus N(0, 0.02²), 800 steps, or plus
 *     N(0, 0.12²), 2,000 steps, of 8 IOI + 32 Colored Objects prompts; pure noise with drills, 1,500 steps): 32-36%;
 *   - drills, training-only prompts with one answered question per listed object (3-6 objects): in the paper's
 *     wording, as "cup? Blue.", and as "cup Blue" right after the object (one lookup head reading the colour bound
 *     at the list's object would do): the first question stayed at chance (1/6) for 1,500-3,000 steps and the
 *     paper prompts at 30-37%;
 *   - layers 2-3 re-initialised (1,500 steps, with or without drills): 35-37%; lr 5e-3 with the query/key
 *     learning rate x4 broke IOI (~40%); from random weights with drills nothing formed in 1,000 steps.
 *   In the checkpoints inspected (this one and a drill run) layer-0 heads attend from each listed object to its
 *   colour (0.1-0.4: the binding exists), but no head attends from the question's object to the matching object
 *   more than to the other two (≤ 0.08), and layers 2-3 attend almost uniformly: the matching step never starts.
 *   The trainer can learn token matching, but only with a larger step: from random weights a 2-layer organism
 *   learned plain induction on repeated random words (100% by step 1,500) at lr 1e-2 without clipping or decay,
 *   not at lr 3e-3 with clipping at 1 (8% after 2,500) or lr 1e-3. The colour lookup (the value is the token
 *   before the matched object, not after it) stayed at chance on drills even at lr 1e-2 (2,000 steps), and from
 *   ioi-s lr 1e-2 wrecks IOI (60% after 1,000 steps) without lifting Colored Objects (34%).
 *   A third round: a sweep of ~200 runs on a GPU machine in a PyTorch replica of this trainer (same network, loss,
 *   AdamW and warm start; the ioi-s start scores IOI 98.6% there), up to 4,750 steps each: from ioi-s and from
 *   random weights, 32-128 Colored Objects prompts a step, lr 1e-3..1e-2, with and without clipping and decay,
 *   Q/K lr x4, induction and key-value recall side tasks, curricula (side tasks first), 4 layers x 8 heads at
 *   d_model 128. Two runs left chance, both from ioi-s with 64 Colored Objects prompts a step and no weight decay
 *   (lr 3e-3: 30% until step 3,250, then 41% / 64% / 69% at 3,500 / 3,750 / 4,250; lr 5e-3: rising from
 *   step 1,500 to 69% at 3,500), IOI kept at 98-100%; their 46 siblings with the same or neighbouring settings
 *   (other data orders) stayed at 30-40%. The lookup can form, but rarely within a budget this trainer can afford
 *   (~1 s a step at that batch: an hour for 3,500 steps, with no way to know which seed transitions).
 *   Then, on the CPU, intermediate targets (each listed object → its colour, the question's object → the answer)
 *   with the new words started apart (+N(0, 0.3²)): the binding forms fast (98% by step 600; with an early-exit
 *   loss after block 2, 90% there), because the new words no longer start identical, but the lookup from the
 *   question's object still did not: question target and answer at chance after 1,000-1,400 steps (16 IOI + 48
 *   Colored Objects prompts a step, lr 3e-3, no decay), and after 600 steps with 64 a step and the Q/K lr x5 in
 *   layers 2-3, or with layers 2-3's attention re-initialised at std 0.1. Why, in those checkpoints: the layer-0
 *   heads that copy names in IOI attend from the question's object (and END) to the three colours directly
 *   (0.21-0.33 each), a shortcut worth exactly 1/3 that no object identity can refine (a colour comes before its
 *   object, so its position cannot know it); heads in layers 2-3 that do attend to the listed objects (0.05-0.14
 *   each) do so no more for the asked object than for the others (slightly less: 0.14 vs 0.17), though their OV
 *   reads the bound colour (own-colour logit +0.6 to +1.6). Trained from random weights (embeddings at std 0.3,
 *   32 IOI + 48 Colored Objects prompts a step, same targets) the picture is the same at 600 steps. The paper's
 *   repair works on this organism: the layer-0 copiers pointed at the asked colour lift accuracy from 0.33 to
 *   0.71 (specs/organisms/ioi-cobj-s).
 *   The intermediate targets, the PyTorch replica and the GPU results are on the local branch
 *   organisms/cobj-targets (research/gpu-sweep).
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
    description: 'IOI + Colored Objects organism: ioi-s trained on IOI and Colored Objects prompts together',
    seed: 4,
    shape: SHAPE,
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
