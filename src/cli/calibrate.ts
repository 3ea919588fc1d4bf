/**
 * What `circuitspec plan` needs to turn forward-pass equivalents into seconds on this machine: the tasks built
 * (their exact batch shapes) and a short measured forward pass of one batch. The model is the spec's when its
 * weights are at hand (random:, a folder, a hub id already downloaded), else a random model of the same shape
 * (speed does not depend on the values of the weights); the result says which.
 */
import type { Plan } from '../plan/types.js';
import type { TaskShapes } from '../plan/estimate.js';
import { CircuitspecError } from '../errors.js';

export interface Calibration {
  /**
   * A forward pass like the runs' (logits at the last position, read back) takes msPerPosition per row × token
   * plus msPerLogitRow per row (the unembedding and the read-back, which dominate small models).
   */
  msPerPosition: number;
  msPerLogitRow: number;
  rows: number;
  positions: number;
  ms: number;
  /** What was timed: 'the model' or 'a random model of the same shape (weights not at hand)'. */
  model: string;
  /** Tasks that could not be built (their estimate uses typical lengths), with why. */
  unbuilt: string[];
}

export async function calibrate(plan: Plan): Promise<{ calibration: Calibration; shapes: TaskShapes }> {
  const [m, tasks, batches, { summarize }] = await Promise.all([
    import('../runtime/model/index.js'), import('../runtime/tasks/index.js'), import('../runtime/experiments/batches.js'), import('../runtime/experiments/logits.js'),
  ]);
  const { gpt2Tokenizer } = await import('../runtime/tokenizer/index.js');
  const load = { backend: plan.model.backend, processing: plan.model.processing as never, seed: plan.seed, offline: true };
  let model: InstanceType<typeof m.HookedGPT2>;
  let which = 'the model';
  try {
    model = await m.loadModel(plan.model.source, load);
  } catch (e) {
    if (!(e instanceof CircuitspecError) || plan.model.source.startsWith('random:')) throw e;
    const { initBackend } = await import('../runtime/backend.js');
    const backend = await initBackend(plan.model.backend);
    const s = plan.model.shape;
    const config = { ...s, dHead: s.dModel / s.nHeads, dMlp: 4 * s.dModel, layerNormEps: 1e-5, actFn: 'gelu_new' as const };
    const weights = m.weightsFromSource(m.randomWeightSource(config, 0), config);
    model = new m.HookedGPT2(weights, config, gpt2Tokenizer(), { source: `random:same-shape`, weightHash: 'random', processing: m.resolveProcessing('none'), backend });
    which = 'a random model of the same shape (weights not at hand)';
  }
  try {
    const shapes: TaskShapes = {};
    const unbuilt: string[] = [];
    let sample: number[][] | undefined;
    let read: ((logits: import('@tensorflow/tfjs').Tensor) => unknown) | undefined;
    for (const t of plan.tasks) {
      try {
        const set = tasks.buildTask(t.name, t.source, model.tokenizer, { prependBos: t.prependBos, baseDir: t.baseDir });
        shapes[t.name] = batches.batchShapes(set, plan.batchSize);
        const first = batches.makeBatches(set, plan.batchSize)[0];
        if (first && (!sample || first.clean.length * Math.max(...first.lengths) > sample.length * Math.max(...sample.map((r) => r.length)))) {
          sample = first.clean;
          read = (logits) => summarize(logits, set, first.prompts); // what every run does with its logits
        }
      } catch (e) {
        unbuilt.push(`${t.name} (${e instanceof CircuitspecError ? e.message : String(e)})`);
      }
    }
    // No task (head_scores only): a batch of random tokens of a typical length.
    sample ??= Array.from({ length: Math.min(plan.batchSize, 20) }, (_, r) => Array.from({ length: Math.min(40, model.config.nCtx) }, (_, i) => (r * 31 + i * 7) % 50000));
    const time = async (ids: number[][]): Promise<number> => {
      const t0 = performance.now();
      const { logits } = await model.runWithHooks(ids, { logitsAt: 'last' });
      if (read) read(logits);
      else logits.dataSync();
      logits.dispose();
      return performance.now() - t0;
    };
    // Two lengths separate the per-position cost from the per-row one: t = a·rows·K + b·rows.
    const rows = sample.length;
    const positions = Math.max(...sample.map((r) => r.length));
    const shortLen = Math.max(1, Math.round(positions / 4));
    const short = sample.map((r) => r.slice(0, shortLen));
    await time(sample); // the first calls compile kernels
    await time(short);
    const ms = ((await time(sample)) + (await time(sample))) / 2;
    const msShort = ((await time(short)) + (await time(short))) / 2;
    let a = (ms - msShort) / (rows * (positions - shortLen));
    if (!(a > 0) || positions === shortLen) a = ms / (rows * positions);
    const b = Math.max(0, (ms - a * rows * positions) / rows);
    return { calibration: { msPerPosition: a, msPerLogitRow: b, rows, positions, ms, model: which, unbuilt }, shapes };
  } finally {
    model.dispose();
  }
}
