/**
 * The executor's Runtime over several workers: this thread is shard 0 and N−1 worker threads the others. Every
 * task's batches are split into N contiguous runs (shardRange); each step asks every shard for its per-prompt
 * series (computeSeries), concatenates them in shard order and reduces them here with the one-worker code
 * (finishMetric), so results are bit-identical to one worker. Circuit stages go the same way one stage at a time
 * (a stage's receivers depend on the previous stage's heads). Each worker holds its own copy of the weights.
 */
import type { LoadModelOptions, Runtime, RuntimeModel } from '../executor/runtime.js';
import type { ExperimentContext, MetricRequest, MetricValue } from '../experiments/types.js';
import { WorkerPool } from './pool.js';

export async function poolRuntime(workers: number): Promise<Runtime> {
  const [{ tfjsRuntime }, experiments, compute, context] = await Promise.all([
    import('../executor/tfjs-runtime.js'),
    import('../experiments/index.js'),
    import('../experiments/compute.js'),
    import('../experiments/context.js'),
  ]);
  const local = (await tfjsRuntime()) as unknown as Runtime<RuntimeModel & Parameters<typeof experiments.createContext>[0], ExperimentContext>;
  let pool: WorkerPool | undefined;
  const others = () => pool?.workers ?? [];

  /**
   * Runs `mine` here while the workers run theirs; waits for all, then throws the error of the lowest shard
   * (the one a single worker, walking batches in order, would have met first).
   */
  async function everyShard<T>(theirs: (i: number) => Promise<T>, mine: () => Promise<T>): Promise<T[]> {
    const asked = others().map((_, i) => theirs(i));
    const results = await Promise.allSettled([mine(), ...asked]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  const computeMetrics = async (ctx: ExperimentContext, reqs: MetricRequest[]): Promise<MetricValue[]> => {
    const parts = await everyShard((i) => others()[i].request({ op: 'series', reqs }), () => compute.computeSeries(ctx, reqs));
    return reqs.map((r, k) => {
      const series = compute.mergeSeries(parts.map((p) => p[k]));
      // Per-prompt series must cover the task once: code that walks a task's batches without batchesOf (which
      // honours the shard) would repeat prompts here instead of failing quietly.
      if (r.kind !== 'head_scores') {
        const n = ctx.tasks.get(r.task)?.prompts.length;
        if (n !== undefined && series.some((s) => s.length !== n)) throw new Error(`${r.kind} on '${r.task}': the workers' per-prompt values do not add up to the task's ${n} prompts`);
      }
      return compute.finishMetric(r, series, ctx.model.config.nHeads);
    });
  };
  const computeMetric = async (ctx: ExperimentContext, req: MetricRequest): Promise<MetricValue> => (await computeMetrics(ctx, [req]))[0];

  const rt: typeof local = {
    async loadModel(source: string, opts: LoadModelOptions) {
      // The workers load while this thread does; a failure anywhere stops them all.
      const starting = WorkerPool.start(workers - 1, { source, load: opts });
      starting.catch(() => {}); // awaited below; this only keeps a failure during our own load from going unhandled
      let model;
      try {
        model = await local.loadModel(source, opts);
      } catch (e) {
        await starting.then((p) => p.terminate(), () => {});
        throw e;
      }
      try {
        pool = await starting;
      } catch (e) {
        model.dispose();
        throw e;
      }
      return model;
    },
    buildTask: (name, source, m, opts) => local.buildTask(name, source, m, opts),
    checkTask: (set, m) => local.checkTask(set, m),
    createContext(m, opts) {
      const shard = (index: number) => ({ index, count: workers });
      others().forEach((w, i) => w.send({ op: 'context', seed: opts.seed, batchSize: opts.batchSize, shard: shard(i + 1) }));
      return experiments.createContext(m, new Map(), { ...opts, shard: shard(0) });
    },
    addTask(ctx, set) {
      ctx.tasks.set(set.name, set);
      others().forEach((w) => w.send({ op: 'addTask', set }));
    },
    warmRun: async (ctx, task, side) => void (await everyShard((i) => others()[i].request({ op: 'warm', task, side }), async () => void (await context.sideSummaries(ctx, task, side)))),
    computeMetric,
    computeMetrics,
    discoverCircuit: (ctx, task, stages) => experiments.discoverCircuit(ctx, task, stages, computeMetric),
    // Role attention reads one batch of the task; this thread's shard holds the first ones.
    ...(local.attentionSummary && { attentionSummary: local.attentionSummary }),
    dispose(ctx, m) {
      void pool?.terminate();
      pool = undefined;
      local.dispose(ctx, m);
    },
  };
  return rt as unknown as Runtime;
}
