/**
 * Train the model organisms: `tsx src/organisms/train.ts [name ...] [--out fixtures/organisms] [--steps N]`.
 * Seeded and deterministic (wasm backend, one thread); prints loss and held-out accuracy as it goes; writes each
 * organism as a Hugging Face GPT-2 folder and re-scores the written checkpoint through loadModel.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { initBackend } from '../runtime/backend.js';
import { loadModel } from '../runtime/model/index.js';
import { gpt2Tokenizer, type Tokenizer } from '../runtime/tokenizer/index.js';
import { deriveSeed, makeRng } from '../runtime/util/rng.js';
import { CircuitspecError } from '../errors.js';
import { AdamW } from './adamw.js';
import { colourTargets, drawColoredObjects, drawIoi, toBatch, type Batch, type RowTargets } from './data.js';
import type { Prompt } from '../runtime/tasks/types.js';
import { scoreModel, scoreNet, type Score } from './evaluate.js';
import { GPT2_VOCAB, writeOrganism } from './export.js';
import { initParams, namedParams, residualReads, subLogits, type AttentionRead, type NetParams, type NetShape } from './net.js';
import { Progress } from './progress.js';
import { RECIPES, heldTemplateIds, trainTemplateIds, type Recipe } from './recipes.js';
import { SubVocab } from './vocab.js';
import { trainingVocab } from './training-vocab.js';
import { warmStart } from './warm-start.js';

/** Loss rows of one kind with their weight: the answer at END, next tokens, or intermediate targets. */
interface LossTerm extends RowTargets {
  weight: number;
  /** Read the prediction from the residual after this block (early exit); default the final one. */
  after?: number;
}

/** The answer at END ('end'), or the next token at every real position, END's being the answer ('all'). */
function answerTerm(b: Batch, mode: 'end' | 'all', weight: number): LossTerm {
  if (mode === 'end') return { rows: b.end, targets: b.answer, weight };
  const idx: number[] = [];
  b.next.forEach((t, i) => t >= 0 && idx.push(i));
  return { rows: Int32Array.from(idx), targets: Int32Array.from(idx, (i) => b.next[i]), weight };
}

/** An auxiliary attention loss: weight · mean −log(one head's attention from each query row to its key). */
interface AttnTerm extends AttentionRead {
  weight: number;
}

/** A batch's loss terms: cross-entropy rows, and attention terms (Colored Objects' planted lookup step). */
interface Terms {
  ce: LossTerm[];
  attn: AttnTerm[];
}

/**
 * Σ weight · mean cross-entropy of each term, plus the attention terms, from one forward pass over the batch.
 * Cross-entropy over [trained rows, the shared row + log(#untrained)]: exactly the full-vocabulary loss of the
 * exported model, whose untrained tokens all carry the shared row.
 */
function lossOf(p: NetParams, s: NetShape, b: Batch, vocab: SubVocab, { ce: all, attn }: Terms): tf.Scalar {
  const at = (t: LossTerm): number => t.after ?? s.nLayers;
  const layers = [...new Set(all.map(at))];
  // Grouped by the layer they read, in the order of the reads, so one forward pass serves them all.
  const terms = layers.flatMap((l) => all.filter((t) => at(t) === l && t.weight !== 0 && t.rows.length > 0));
  const reads = layers.map((l) => ({ after: l, rows: Int32Array.from(terms.filter((t) => at(t) === l).flatMap((t) => [...t.rows])) }));
  const { resid: h, attn: probs } = residualReads(p, s, b, reads.filter((r) => r.rows.length > 0), attn);
  const rows = Int32Array.from(terms.flatMap((t) => [...t.rows]));
  const targets = Int32Array.from(terms.flatMap((t) => [...t.targets]));
  const lg = tf.add(subLogits(p, (h.length === 1 ? h[0] : tf.concat(h, 0)) as tf.Tensor2D), tf.concat([tf.zeros([vocab.size]), tf.fill([1], vocab.untrainedLogit)])); // [k, nSub+1]
  const shifted = tf.sub(lg, tf.max(lg, 1, true)); // the shift's gradients cancel exactly
  const logZ = tf.log(tf.sum(tf.exp(shifted), 1)); // [k]
  const picked = tf.sum(tf.mul(shifted, tf.oneHot(tf.tensor1d(targets, 'int32'), vocab.size + 1)), 1); // [k]
  const ce = tf.sub(logZ, picked); // [k]
  let loss: tf.Scalar;
  // One term: the same ops as before terms existed, so earlier recipes retrain bit for bit.
  if (terms.length === 1) loss = (terms[0].weight === 1 ? tf.mean(ce) : tf.mul(tf.mean(ce), terms[0].weight)) as tf.Scalar;
  else {
    // Per-row weights weight/len(term) turn the sum into Σ weight · mean.
    const w = new Float32Array(rows.length);
    let from = 0;
    for (const t of terms) w.fill(t.weight / t.rows.length, from, (from += t.rows.length));
    loss = tf.sum(tf.mul(ce, tf.tensor1d(w))) as tf.Scalar;
  }
  attn.forEach((a, i) => {
    loss = tf.add(loss, tf.mul(tf.mean(tf.neg(tf.log(tf.add(probs[i], 1e-6)))), a.weight));
  });
  return loss;
}

/** The loss terms of a training batch under recipe `r`. */
function batchTerms(r: Recipe, b: Batch, prompts: Prompt[], kind: 'ioi' | 'cobj'): Terms {
  if (kind === 'ioi') return { ce: [answerTerm(b, r.loss, 1)], attn: [] };
  const ce = [answerTerm(b, r.loss, r.cobjWeight)];
  const attn: AttnTerm[] = [];
  if (r.cobjTargets) {
    const t = colourTargets(prompts, b);
    ce.push({ ...t.objects, weight: r.cobjWeight * r.cobjTargets.objects, after: r.cobjTargets.objectsAfter }, { ...t.question, weight: r.cobjWeight * r.cobjTargets.question });
    for (const la of r.lookupAttention ?? []) attn.push({ ...t.lookup, layer: la.layer, head: la.head, weight: la.weight });
  }
  return { ce, attn };
}

interface EvalSets {
  ioiHeldPairs: Batch;
  ioiHeldTemplate: Batch;
  cobj?: Batch;
}

function evalSets(r: Recipe, tok: Tokenizer, vocab: SubVocab, n: number) {
  const seed = deriveSeed(r.seed, 'eval');
  const prompts = {
    ioiHeldPairs: drawIoi(tok, n, deriveSeed(seed, 'pairs'), { templateIds: trainTemplateIds(r), pairs: 'heldout' }),
    ioiHeldTemplate: drawIoi(tok, n, deriveSeed(seed, 'template'), { templateIds: heldTemplateIds(r), pairs: 'heldout' }),
    cobj: r.cobjBatch > 0 ? drawColoredObjects(tok, n, deriveSeed(seed, 'cobj')) : undefined,
  };
  const batches: EvalSets = {
    ioiHeldPairs: toBatch(prompts.ioiHeldPairs, vocab, false),
    ioiHeldTemplate: toBatch(prompts.ioiHeldTemplate, vocab, false),
    cobj: prompts.cobj ? toBatch(prompts.cobj, vocab, false) : undefined,
  };
  return { prompts, batches };
}

function fmt(s: Score): string {
  return `${(100 * s.accuracy).toFixed(1)}% (ld ${s.logitDiff.toFixed(2)})`;
}

export async function trainOrganism(r: Recipe, outDir: string, opts: { steps?: number; log?: (line: string) => void } = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const started = Date.now();
  const tok = gpt2Tokenizer();
  const steps = opts.steps ?? r.optim.steps;
  const vocab = trainingVocab(r, tok);
  const shape: NetShape = { ...r.shape, nSub: vocab.size };
  const rng = makeRng(deriveSeed(r.seed, 'init'));
  const params = initParams(shape, rng);
  let warm: Record<string, unknown> | undefined;
  if (r.init) warm = { from: r.init, ...(await warmStart(join(outDir, r.init), params, shape, vocab, r.newRowStd ? { std: r.newRowStd, rng: makeRng(deriveSeed(r.seed, 'new-rows')) } : undefined)) };
  const named = namedParams(params);
  // Decay matrices and embeddings (GPT-2 practice), not biases or LayerNorm gains.
  const D = shape.dModel;
  const qk = r.qkLrScale ?? 1;
  // [1, 3D]: Q and K columns of c_attn get qkLrScale, V columns 1.
  const qkScale = qk === 1 ? null : tf.keep(tf.tensor2d([Array.from({ length: 3 * D }, (_, j) => (j < 2 * D ? qk : 1))]));
  const lrScale = named.map(([name]) => (qkScale && /^h\.\d+\.attn[WB]$/.test(name) ? (name.endsWith('W') ? qkScale : tf.keep(tf.reshape(qkScale, [3 * D]))) : null));
  const opt = new AdamW({ ...r.optim, steps }, named.map(([, v]) => v), named.map(([, v]) => v.shape.length === 2), lrScale);
  const evals = evalSets(r, tok, vocab, 500);
  const trainIds = trainTemplateIds(r);
  log(`${r.name}: ${r.description}; ${vocab.size} trained vocabulary rows; ${steps} steps max`);
  const progress = new Progress(steps, r.name);
  let streak = 0;
  let step = 0;
  let last: Record<string, Score> = {};
  for (step = 1; step <= steps; step++) {
    const ioiPrompts = drawIoi(tok, r.ioiBatch, deriveSeed(r.seed, `ioi-step${step}`), { templateIds: trainIds, pairs: 'train' });
    const ioi = toBatch(ioiPrompts, vocab, true);
    const ioiTerms = batchTerms(r, ioi, ioiPrompts, 'ioi');
    let cobj: { batch: Batch; terms: Terms } | null = null;
    if (r.cobjBatch > 0) {
      const prompts = drawColoredObjects(tok, r.cobjBatch, deriveSeed(r.seed, `cobj-step${step}`));
      const batch = toBatch(prompts, vocab, true);
      cobj = { batch, terms: batchTerms(r, batch, prompts, 'cobj') };
    }
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        let l = lossOf(params, shape, ioi, vocab, ioiTerms);
        if (cobj) l = tf.add(l, lossOf(params, shape, cobj.batch, vocab, cobj.terms));
        return l as tf.Scalar;
      });
      opt.step(named.map(([, v]) => grads[v.name] ?? tf.zerosLike(v)));
      return value.dataSync()[0];
    });
    if (!Number.isFinite(loss)) throw new CircuitspecError(`${r.name}: loss became ${loss} at step ${step}`);
    if (step % r.evalEvery === 0 || step === steps) {
      last = { ioiHeldPairs: scoreNet(params, shape, evals.batches.ioiHeldPairs), ioiHeldTemplate: scoreNet(params, shape, evals.batches.ioiHeldTemplate) };
      if (evals.batches.cobj) last.cobj = scoreNet(params, shape, evals.batches.cobj);
      progress.update(step, loss, Object.entries(last).map(([k, v]) => `${k} ${fmt(v)}`).join('  '), true);
      const ok = r.stopAt && last.ioiHeldPairs.accuracy >= r.stopAt.ioi && last.ioiHeldTemplate.accuracy >= r.stopAt.ioi
        && (r.stopAt.cobj === undefined || (last.cobj !== undefined && last.cobj.accuracy >= r.stopAt.cobj));
      streak = ok ? streak + 1 : 0;
      if (r.stopAt && streak >= r.stopAt.patience) break;
    } else {
      progress.update(step, loss, '', false);
    }
  }
  progress.done();
  const stepsRun = Math.min(step, steps);
  const trainSeconds = (Date.now() - started) / 1000;
  const folder = join(outDir, r.name);
  const record: Record<string, unknown> = {
    organism: r.name, description: r.description, recipe: r, warmStart: warm ?? null, seed: r.seed, stepsRun, trainedVocabularyRows: vocab.size,
    trainedTokenIds: vocab.ids, fullVocabulary: GPT2_VOCAB, backend: tf.getBackend(), trainSeconds: Math.round(trainSeconds),
    trainingNetworkScores: last, heldOut: { namePairs: '10% of unordered name pairs (isHeldOutPair)', templates: heldTemplateIds(r) },
  };
  await writeOrganism(folder, params, shape, vocab, record);
  // The honest numbers: the written float16 checkpoint, loaded like any model, argmax over the full vocabulary.
  const model = await loadModel(folder, { backend: 'wasm' });
  const finalScores: Record<string, Score> = {
    ioiHeldPairs: await scoreModel(model, evals.prompts.ioiHeldPairs),
    ioiHeldTemplate: await scoreModel(model, evals.prompts.ioiHeldTemplate),
  };
  if (evals.prompts.cobj) finalScores.cobj = await scoreModel(model, evals.prompts.cobj);
  model.dispose();
  record.checkpointScores = finalScores;
  record.wallSeconds = Math.round((Date.now() - started) / 1000);
  await writeOrganism(folder, params, shape, vocab, record);
  log(`${r.name}: wrote ${folder}; checkpoint ${Object.entries(finalScores).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  opt.dispose();
  for (const [, v] of named) v.dispose();
  return record;
}

async function main(argv: string[]): Promise<void> {
  const names: string[] = [];
  let out = 'fixtures/organisms';
  let steps: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = argv[++i];
    else if (argv[i] === '--steps') steps = Number(argv[++i]);
    else names.push(argv[i]);
  }
  const todo = names.length ? names : Object.keys(RECIPES);
  for (const n of todo) if (!RECIPES[n]) throw new CircuitspecError(`unknown organism '${n}' (known: ${Object.keys(RECIPES).join(', ')})`);
  await initBackend('wasm');
  // PROD skips tfjs's per-op debug checks (NaN scans), which cost time on every step of a long run.
  tf.env().set('PROD', true);
  for (const n of todo) await trainOrganism(RECIPES[n], out, { steps });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e instanceof CircuitspecError ? e.format() : (e as Error).stack}\n`);
    process.exit(1);
  });
}
