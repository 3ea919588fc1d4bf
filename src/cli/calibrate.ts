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
  /** A forward pass like the runs' (logits at the last position, read back and summarised), per row × token. */
  msPerPosition: number;
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
          read = (logits) => summarize(logits, set, first.prompts.slice(0, logits.shape[0])); // what every run does with its logits
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
    // Up to 16 rows of the largest task's first batch: close to the runs' efficiency, yet short on big models. The
    // first call at a shape sets up its kernels, so it runs once before the two that are timed. (Splitting a call's fixed cost
    // from its per-row and per-position costs with more shapes was tried: on a shared machine the small timings
    // were too noisy to help.)
    sample = sample.slice(0, 16);
    const rows = sample.length;
    const positions = Math.max(...sample.map((r) => r.length));
    // The faster of two timed calls: a busy moment on a shared machine only ever slows a call down.
    await time(sample);
    const ms = Math.min(await time(sample), await time(sample));
    return { calibration: { msPerPosition: ms / (rows * positions), rows, positions, ms, model: which, unbuilt }, shapes };
  } finally {
    model.dispose();
  }
}
