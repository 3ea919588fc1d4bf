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
  /** Milliseconds per position (row × token) of a forward pass like the runs' (logits at the last position). */
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
  const [m, tasks, batches] = await Promise.all([
    import('../runtime/model/index.js'), import('../runtime/tasks/index.js'), import('../runtime/experiments/batches.js'),
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
    for (const t of plan.tasks) {
      try {
        const set = tasks.buildTask(t.name, t.source, model.tokenizer, { prependBos: t.prependBos, baseDir: t.baseDir });
        shapes[t.name] = batches.batchShapes(set, plan.batchSize);
        const first = batches.makeBatches(set, plan.batchSize)[0];
        if (first && (!sample || first.clean.length * Math.max(...first.lengths) > sample.length * Math.max(...sample.map((r) => r.length)))) sample = first.clean;
      } catch (e) {
        unbuilt.push(`${t.name} (${e instanceof CircuitspecError ? e.message : String(e)})`);
      }
    }
    // No task (head_scores only): a batch of random tokens of a typical length.
    sample ??= Array.from({ length: Math.min(plan.batchSize, 20) }, (_, r) => Array.from({ length: Math.min(40, model.config.nCtx) }, (_, i) => (r * 31 + i * 7) % 50000));
    const time = async (): Promise<number> => {
      const t0 = performance.now();
      const { logits } = await model.runWithHooks(sample!, { logitsAt: 'last' });
      logits.dataSync(); // the runs read their logits back
      logits.dispose();
      return performance.now() - t0;
    };
    await time(); // the first call compiles kernels
    const ms = ((await time()) + (await time())) / 2;
    const rows = sample.length;
    const positions = Math.max(...sample.map((r) => r.length));
    return { calibration: { msPerPosition: ms / (rows * positions), rows, positions, ms, model: which, unbuilt }, shapes };
  } finally {
    model.dispose();
  }
}
