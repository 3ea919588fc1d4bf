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
import { drawColoredObjects, drawIoi, toBatch, type Batch } from './data.js';
import { scoreModel, scoreNet, type Score } from './evaluate.js';
import { GPT2_VOCAB, writeOrganism } from './export.js';
import { hidden, initParams, namedParams, subLogits, type NetParams, type NetShape } from './net.js';
import { Progress } from './progress.js';
import { RECIPES, heldTemplateIds, trainTemplateIds, type Recipe } from './recipes.js';
import { SubVocab } from './vocab.js';
import { trainingVocab } from './training-vocab.js';
import { warmStart } from './warm-start.js';

/**
 * Cross-entropy over [trained rows, the shared row + log(#untrained)]: exactly the full-vocabulary loss of the
 * exported model, whose untrained tokens all carry the shared row.
 */
function lossAt(p: NetParams, s: NetShape, b: Batch, vocab: SubVocab, mode: 'end' | 'all'): tf.Scalar {
  let rows: Int32Array;
  let targets: Int32Array;
  if (mode === 'end') {
    rows = b.end;
    targets = b.answer;
  } else {
    const idx: number[] = [];
    b.next.forEach((t, i) => t >= 0 && idx.push(i));
    rows = Int32Array.from(idx);
    targets = Int32Array.from(idx, (i) => b.next[i]);
  }
  const k = rows.length;
  const lg = tf.add(subLogits(p, hidden(p, s, b, rows)), tf.concat([tf.zeros([vocab.size]), tf.fill([1], vocab.untrainedLogit)])); // [k, nSub+1]
  const shifted = tf.sub(lg, tf.max(lg, 1, true)); // the shift's gradients cancel exactly
  const logZ = tf.log(tf.sum(tf.exp(shifted), 1)); // [k]
  const picked = tf.sum(tf.mul(shifted, tf.oneHot(tf.tensor1d(targets, 'int32'), vocab.size + 1)), 1); // [k]
  return tf.mean(tf.sub(logZ, picked)) as tf.Scalar;
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
  if (r.init) warm = { from: r.init, ...(await warmStart(join(outDir, r.init), params, shape, vocab)) };
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
    const ioi = toBatch(drawIoi(tok, r.ioiBatch, deriveSeed(r.seed, `ioi-step${step}`), { templateIds: trainIds, pairs: 'train' }), vocab, true);
    const cobj = r.cobjBatch > 0 ? toBatch(drawColoredObjects(tok, r.cobjBatch, deriveSeed(r.seed, `cobj-step${step}`)), vocab, true) : null;
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        let l = lossAt(params, shape, ioi, vocab, r.loss);
        if (cobj) l = tf.add(l, tf.mul(lossAt(params, shape, cobj, vocab, r.loss), r.cobjWeight));
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
      const ok = r.stopAt && last.ioiHeldPairs.accuracy >= r.stopAt.ioi && last.ioiHeldTemplate.accuracy >= r.stopAt.ioi;
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
