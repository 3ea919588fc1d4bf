/** The real runtime behind the executor's Runtime interface (loaded lazily: importing tfjs takes a while). */
import type { Runtime, RuntimeModel } from './runtime.js';

export async function tfjsRuntime(): Promise<Runtime> {
  const [model, tasks, experiments, context, attention, untrained] = await Promise.all([
    import('../model/index.js'),
    import('../tasks/index.js'),
    import('../experiments/index.js'),
    import('../experiments/context.js'),
    import('../experiments/attention-summary.js'),
    import('../model/untrained.js'),
  ]);
  type M = Awaited<ReturnType<typeof model.loadModel>>;
  type C = ReturnType<typeof experiments.createContext>;
  const rt: Runtime<M & RuntimeModel, C> = {
    loadModel: (source, opts) => model.loadModel(source, { backend: opts.backend, processing: opts.processing, seed: opts.seed, verify: opts.verify }) as Promise<M & RuntimeModel>,
    buildTask: (name, source, m, opts) => tasks.buildTask(name, source, m.tokenizer, opts),
    checkTask: (set, m) => {
      tasks.checkTask(set, m.config);
      return untrained.untrainedWarnings(set, m.weights);
    },
    createContext: (m, opts) => experiments.createContext(m, new Map(), opts),
    addTask: (ctx, set) => void ctx.tasks.set(set.name, set),
    warmRun: async (ctx, task, side) => void (await context.sideSummaries(ctx, task, side)),
    computeMetric: (ctx, req) => experiments.computeMetric(ctx, req),
    computeMetrics: (ctx, reqs) => experiments.computeMetrics(ctx, reqs),
    discoverCircuit: (ctx, task, stages) => experiments.discoverCircuit(ctx, task, stages),
    attentionSummary: (ctx, task) => attention.attentionSummary(ctx, task),
    dispose: (ctx, m) => {
      if (ctx) experiments.disposeContext(ctx);
      m?.dispose();
    },
  };
  return rt as unknown as Runtime;
}
