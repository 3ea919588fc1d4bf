/**
 * Metrics read under interventions and on the corrupted run, and mediation (patches from both runs in one list),
 * each against a direct computation with the model's hooks on the 4-layer IOI organism (mixed prompt lengths,
 * two batches). Path patching's general form: a sender patched from the corrupted run with every other head's z
 * frozen to its clean value is path patching to the logits (the API's fast path patching, itself tested against
 * the literal definition).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Hook, type HookedGPT2 } from '../../../src/runtime/model/index.js';
import { computeMetric, createContext, disposeContext, positionsComputed } from '../../../src/runtime/experiments/index.js';
import type { ExperimentContext, Head, Intervention, MetricValue } from '../../../src/runtime/experiments/types.js';
import { makeBatches } from '../../../src/runtime/experiments/batches.js';
import { sideSummaries } from '../../../src/runtime/experiments/context.js';
import { overrideHooks, pathPatchFast } from '../../../src/runtime/interventions/index.js';
import { buildTask } from '../../../src/runtime/tasks/index.js';
import type { PromptSet } from '../../../src/runtime/tasks/types.js';

const IOI_S = join(fileURLToPath(new URL('../../../fixtures/organisms/ioi-s', import.meta.url)));
const L = 4;
const H = 4;
let model: HookedGPT2;
let ctx: ExperimentContext;
let ioi: PromptSet;

beforeAll(async () => {
  model = await loadModel(IOI_S, { backend: 'wasm', processing: 'transformerlens' });
  ioi = buildTask('ioi', { generator: 'ioi', n: 8, seed: 3, templates: 'mixed', corruption: 's2_io_flip' }, model.tokenizer);
  expect(new Set(ioi.prompts.map((p) => p.tokens.length)).size).toBeGreaterThan(1);
  ctx = createContext(model, [ioi], { batchSize: 4 });
});
afterAll(() => {
  disposeContext(ctx);
  model.dispose();
});

const per = (v: MetricValue): number[] => (v.type === 'scalar' ? v.perPrompt! : []);
const close = (a: number[], b: number[], tol: number): void => {
  expect(a).toHaveLength(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i]), `prompt ${i}: ${x} vs ${b[i]}`).toBeLessThan(tol));
};
const z = (l: number) => `blocks.${l}.attn.hook_z`;
/** Patch (or freeze) z of every head but `skip`, per layer, from `from`. */
const allZBut = (skip: Head | undefined, from: 'clean' | 'corrupted'): Intervention[] =>
  Array.from({ length: L }, (_, l) => ({ type: 'patch' as const, hook: z(l), heads: [0, 1, 2, 3].filter((h) => !(skip && skip.layer === l && skip.head === h)), from }))
    .filter((iv) => iv.heads.length > 0);

/** Per prompt of every batch: run `side` with hooks made from the two runs' caches, read what `read` wants. */
async function direct<T>(
  side: 'clean' | 'corrupted', names: string[], hooksOf: (c: { clean: Map<string, tf.Tensor>; corrupted: Map<string, tf.Tensor> }, b: ReturnType<typeof makeBatches>[number]) => Hook[],
  read: (out: { logits: tf.Tensor; cache: Map<string, tf.Tensor> }, b: ReturnType<typeof makeBatches>[number]) => T[],
): Promise<T[]> {
  const all: T[] = [];
  const zs = Array.from({ length: L }, (_, l) => z(l));
  for (const b of makeBatches(ioi, 4)) {
    const c = await model.runWithCache(b.clean, { names: zs });
    const k = await model.runWithCache(b.corrupted!, { names: zs });
    const caches = {
      clean: new Map(zs.map((n) => [n, c.cache.get(n)])),
      corrupted: new Map(zs.map((n) => [n, k.cache.get(n)])),
    };
    const run = await model.runWithCache(side === 'clean' ? b.clean : b.corrupted!, { hooks: hooksOf(caches, b), names, logitsAt: 'last' });
    all.push(...read({ logits: run.logits, cache: new Map(names.map((n) => [n, run.cache.get(n)])) }, b));
    for (const r of [c, k, run]) {
      r.logits.dispose();
      r.cache.dispose();
    }
  }
  return all;
}

const ld = (out: { logits: tf.Tensor }, b: ReturnType<typeof makeBatches>[number]): number[] => {
  const d = out.logits.dataSync();
  const V = out.logits.shape[1]!;
  return b.prompts.map((p, r) => d[r * V + p.answerId] - d[r * V + p.distractorIds[0]]);
};

describe('mediation: patches from both runs in one list', () => {
  it('a sender from corrupted with every other z frozen to clean is path patching to the logits (MLPs free and frozen)', async () => {
    for (const freezeMlps of [false, true]) {
      const pp = await pathPatchFast(ctx, 'ioi', { receivers: 'logits', senderPositions: ['END'], freezeMlps });
      const mlps: Intervention[] = freezeMlps ? Array.from({ length: L }, (_, l) => ({ type: 'patch', hook: `blocks.${l}.hook_mlp_out`, from: 'clean' })) : [];
      for (let l = 0; l < L; l++) {
        // Every sender with MLPs free; one per layer with them frozen (the same code path, kept short).
        for (const h of freezeMlps ? [l] : [0, 1, 2, 3]) {
          const ivs: Intervention[] = [{ type: 'patch', hook: z(l), heads: [h], positions: ['END'], from: 'corrupted' }, ...allZBut({ layer: l, head: h }, 'clean'), ...mlps];
          const got = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: ivs }));
          close(got, pp.patched[l][h], 1e-5);
        }
      }
    }
    // No leak: a repeat (the shared runs' caches now warm) leaves the tensor count as it was.
    const ivs: Intervention[] = [{ type: 'patch', hook: z(2), heads: [1], positions: ['END'], from: 'corrupted' }, ...allZBut({ layer: 2, head: 1 }, 'clean')];
    await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: ivs });
    const before = tf.memory().numTensors;
    await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: ivs });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the effect through a frozen head is gone: freezing every head but the sender leaves only its direct path', async () => {
    // Patching 0.0 alone moves the logit difference through later heads; frozen, only its direct effect remains.
    const s: Head = { layer: 0, head: 0 };
    const total = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: [{ type: 'patch', hook: z(0), heads: [0], from: 'corrupted' }] }));
    const direct0 = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: [{ type: 'patch', hook: z(0), heads: [0], from: 'corrupted' }, ...allZBut(s, 'clean')] }));
    expect(total.some((x, i) => Math.abs(x - direct0[i]) > 1e-3)).toBe(true);
  });

  it('on run=corrupted it is symmetric: a sender from clean, the other heads frozen to corrupted', async () => {
    const s: Head = { layer: 1, head: 2 };
    const ivs: Intervention[] = [{ type: 'patch', hook: z(1), heads: [2], from: 'clean' }, ...allZBut(s, 'corrupted')];
    const got = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: ivs, run: 'corrupted' }));
    const want = await direct('corrupted', [], (c) => [
      ...Array.from({ length: L }, (_, l) => ({ name: z(l), value: c.corrupted.get(z(l))! })),
      { name: z(1), value: c.clean.get(z(1))!, heads: [2] },
    ], ld);
    close(got, want, 1e-4);
  });

  it('a site both frozen and patched is an error naming both and the prompt', async () => {
    const ivs: Intervention[] = [{ type: 'patch', hook: z(1), heads: [2], positions: ['END'], from: 'corrupted' }, { type: 'patch', hook: z(1), from: 'clean' }];
    await expect(computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: ivs })).rejects.toThrow(/with\[1\] freezes 'blocks\.1\.attn\.hook_z' to the clean run where .*with\[0\] has it patched from the corrupted run \(task 'ioi', prompt/);
    // Other heads, or other positions of the same head, do not conflict.
    await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: [ivs[0], { ...ivs[1], heads: [0, 1, 3] } as Intervention] });
    await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', with: [ivs[0], { ...ivs[1], heads: [2], positions: ['S2'] } as Intervention] });
  });
});

describe('the corrupted side', () => {
  it("logit_diff on run=corrupted is the clean answer vs distractor on the corrupted prompt, from the shared run (no extra forward)", async () => {
    await sideSummaries(ctx, 'ioi', 'corrupted');
    await sideSummaries(ctx, 'ioi', 'clean');
    const at = positionsComputed(ctx);
    const got = per(await computeMetric(ctx, { kind: 'logit_diff', task: 'ioi', run: 'corrupted' }));
    expect(positionsComputed(ctx)).toBe(at);
    close(got, await direct('corrupted', [], () => [], ld), 1e-4);
    expect(got.reduce((a, b) => a + b, 0)).toBeLessThan(0); // the organism now prefers the wrong name
  });

  it('attention and dla on run=corrupted read the corrupted run', async () => {
    const head = { layer: 1, head: 2 };
    const got = per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'S2', run: 'corrupted' }));
    const name = 'blocks.1.attn.hook_pattern';
    const want = await direct('corrupted', [name], () => [], (o, b) => {
      const [, , P, K] = o.cache.get(name)!.shape;
      const d = o.cache.get(name)!.dataSync();
      return b.prompts.map((p, r) => d[((r * H + 2) * P + p.tokens.length - 1) * K + p.roles.S2]);
    });
    close(got, want, 1e-5);
    const clean = per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'S2' }));
    expect(got.some((x, i) => Math.abs(x - clean[i]) > 1e-3)).toBe(true);
    const v = await computeMetric(ctx, { kind: 'dla', task: 'ioi', run: 'corrupted' });
    const names = [...Array.from({ length: L }, (_, l) => `blocks.${l}.attn.hook_result`), 'ln_final.hook_scale'];
    const rows = await direct('corrupted', names, () => [], dlaDirect);
    for (let i = 0; i < L * H; i++) {
      const want = rows.reduce((a, r) => a + r[i], 0) / rows.length;
      expect(Math.abs((v as { values: number[][] }).values[Math.floor(i / H)][i % H] - want)).toBeLessThan(1e-4);
    }
  });
});

/** DLA per head and prompt by hand: hook_result at END (z·W_O, no bias) on the centred answer − distractor direction / scale. */
function dlaDirect(o: { cache: Map<string, tf.Tensor> }, b: ReturnType<typeof makeBatches>[number]): number[][] {
  const WU = model.weights.WU.arraySync() as number[][]; // [D, V]
  const lnw = model.weights.lnF.w?.dataSync();
  const scale = o.cache.get('ln_final.hook_scale')!.dataSync();
  return b.prompts.map((p, r) => {
    const end = p.tokens.length - 1;
    const P = o.cache.get('ln_final.hook_scale')!.shape[1]!;
    let dir = WU.map((row, i) => (row[p.answerId] - row[p.distractorIds[0]]) * (lnw ? lnw[i] : 1));
    const m = dir.reduce((a, x) => a + x, 0) / dir.length;
    dir = dir.map((x) => x - m);
    const out: number[] = [];
    for (let l = 0; l < L; l++) {
      const res = o.cache.get(`blocks.${l}.attn.hook_result`)!; // [B, P, H, D]
      const D = res.shape[3]!;
      const d = res.dataSync();
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += d[((r * P + end) * H + h) * D + i] * dir[i];
        out.push(s / scale[r * P + end]);
      }
    }
    return out;
  });
}

describe('with= on attention and dla', () => {
  const override: Intervention = { type: 'attention_override', heads: [{ layer: 1, head: 0 }, { layer: 1, head: 1 }], query: 'END', keys: { IO: 1 } };
  const overrideHooksOf = (b: ReturnType<typeof makeBatches>[number]) =>
    overrideHooks('ioi', b, [{ layer: 1, head: 0 }, { layer: 1, head: 1 }], b.prompts.map((p) => [p.tokens.length - 1]), [{ pos: b.prompts.map((p) => p.roles.IO), weight: 1 }], 0);

  it('attention under an override and under a patch equals the pattern of a hooked run', async () => {
    const name = 'blocks.3.attn.hook_pattern';
    const read = (o: { cache: Map<string, tf.Tensor> }, b: ReturnType<typeof makeBatches>[number]) => {
      const [, , P, K] = o.cache.get(name)!.shape;
      const d = o.cache.get(name)!.dataSync();
      return b.prompts.map((p, r) => d[((r * H + 1) * P + p.tokens.length - 1) * K + p.roles.IO]);
    };
    const head = { layer: 3, head: 1 };
    const got = per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'IO', with: [override] }));
    close(got, await direct('clean', [name], (_c, b) => overrideHooksOf(b), read), 1e-5);
    const clean = per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'IO' }));
    expect(got.some((x, i) => Math.abs(x - clean[i]) > 1e-3)).toBe(true);
    const patch: Intervention = { type: 'patch', hook: z(2), heads: [0, 3], positions: ['S2', 'END'], from: 'corrupted' };
    const gotP = per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'IO', with: [patch] }));
    const wantP = await direct('clean', [name], (c, b) => [{ name: z(2), value: c.corrupted.get(z(2))!, heads: [0, 3], positions: b.prompts.map((p) => [p.roles.S2, p.tokens.length - 1]) }], read);
    close(gotP, wantP, 1e-5);
    const before = tf.memory().numTensors; // caches warm: a repeat must not add tensors
    await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'IO', with: [patch, override] });
    await computeMetric(ctx, { kind: 'attention', task: 'ioi', head, from: 'END', to: 'IO', with: [patch] });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('attention over several heads and key roles is the mean over heads of the sum over keys', async () => {
    const one = async (h: Head, to: string) => per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head: h, from: 'END', to, with: [override] }));
    const heads: Head[] = [{ layer: 1, head: 2 }, { layer: 3, head: 1 }];
    const got = per(await computeMetric(ctx, { kind: 'attention', task: 'ioi', head: heads[0], alsoHeads: [heads[1]], from: 'END', to: 'S2', alsoTo: ['IO'], with: [override] }));
    const parts: number[][] = [];
    for (const h of heads) for (const r of ['S2', 'IO']) parts.push(await one(h, r));
    close(got, got.map((_, i) => parts.reduce((a, p) => a + p[i], 0) / heads.length), 1e-6);
  });

  it('dla under an intervention equals the heads\' direct effect in the hooked run', async () => {
    const v = await computeMetric(ctx, { kind: 'dla', task: 'ioi', with: [override] });
    expect(v.type).toBe('heads');
    const names = [...Array.from({ length: L }, (_, l) => `blocks.${l}.attn.hook_result`), 'ln_final.hook_scale'];
    const rows = await direct('clean', names, (_c, b) => overrideHooksOf(b), dlaDirect);
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const want = rows.reduce((a, r) => a + r[l * H + h], 0) / rows.length;
        expect(Math.abs((v as { values: number[][] }).values[l][h] - want), `${l}.${h}`).toBeLessThan(1e-4);
      }
    }
    const plain = await computeMetric(ctx, { kind: 'dla', task: 'ioi' });
    expect(Math.abs((plain as { values: number[][] }).values[1][0] - (v as { values: number[][] }).values[1][0])).toBeGreaterThan(1e-3);
    const before = tf.memory().numTensors;
    await computeMetric(ctx, { kind: 'dla', task: 'ioi', with: [override] });
    expect(tf.memory().numTensors).toBe(before);
  });
});
