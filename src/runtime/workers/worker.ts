/**
 * A worker thread: loads its own copy of the model, keeps its own experiment context over its shard of every
 * task's batches (so shared clean/corrupted runs are reused across steps, as on the main thread), and answers
 * requests one at a time in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel, type HookedGPT2 } from '../model/index.js';
import { computeSeries } from '../experiments/compute.js';
import { createContext, sideSummaries } from '../experiments/context.js';
import type { ExperimentContext } from '../experiments/types.js';
import { toWire, type Reply, type Request, type WorkerInit } from './protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
let model: HookedGPT2 | undefined;
let ctx: ExperimentContext | undefined;

function reply(r: Reply): void {
  port.postMessage(r);
}

async function handle(req: Request): Promise<unknown> {
  if (!model) throw new Error('the worker has no model');
  if (req.op === 'context') {
    ctx = createContext(model, new Map(), { seed: req.seed, batchSize: req.batchSize, shard: req.shard });
    return null;
  }
  if (!ctx) throw new Error('the worker has no experiment context');
  switch (req.op) {
    case 'addTask':
      ctx.tasks.set(req.set.name, req.set);
      return null;
    case 'warm':
      await sideSummaries(ctx, req.task, req.side);
      return null;
    case 'series':
      return computeSeries(ctx, req.reqs);
  }
}

// One request at a time: requests chain on the previous one, so their tfjs work never interleaves.
let queue: Promise<unknown> = loadModel(init.source, init.load).then(
  (m) => { model = m; reply({ id: 0, ok: true, value: null }); },
  (e) => reply({ id: 0, ok: false, error: toWire(e) }),
);
port.on('message', (msg: { id: number; req: Request }) => {
  queue = queue.then(() => handle(msg.req)).then(
    (value) => reply({ id: msg.id, ok: true, value }),
    (e) => reply({ id: msg.id, ok: false, error: toWire(e) }),
  );
});
