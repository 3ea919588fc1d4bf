/**
 * How many worker threads a run uses: the number asked for (CLI or API, then the spec's `workers:`), else one per
 * core while memory lasts, since each worker holds its own copy of the weights and its own activations. More
 * workers than the largest task has batches would sit idle, so the default stops there.
 */
import { availableParallelism, freemem } from 'node:os';
import { CircuitspecError } from '../errors.js';
import type { ModelShape, PlanTask } from '../plan/types.js';
import { bytesPerPrompt } from './memory.js';

export interface WorkersChoice { count: number; reason: string }
export interface Machine { cores: number; freeBytes: number }

/** Peak memory of loading a checkpoint relative to its fp32 size (measured by `npm run bench:load`). */
const LOAD_PEAK = 1.52;
/** The experiment context's cache budget (DEFAULT_CACHE_BYTES in runtime/experiments/context.ts). */
const CACHE_BUDGET = 2 ** 30;
/** Leave this share of free memory to everything else. */
const HEADROOM = 0.8;

export function machineNow(): Machine {
  return { cores: availableParallelism(), freeBytes: freemem() };
}

/** fp32 bytes of GPT-2 weights of this shape (embeddings, the unembedding held untransposed apart, blocks). */
export function weightBytes(s: ModelShape): number {
  const d = s.dModel;
  return 4 * (2 * s.dVocab * d + s.nCtx * d + s.nLayers * (12 * d * d + 13 * d) + 2 * d);
}

export function bytesPerWorker(s: ModelShape, batchSize: number, positions: number): number {
  return LOAD_PEAK * weightBytes(s) + Math.min(CACHE_BUDGET, batchSize * bytesPerPrompt(s, positions));
}

const gb = (b: number): string => (b < 1e8 ? `${Math.max(1, Math.round(b / 1e6))} MB` : `${(b / 1e9).toFixed(1)} GB`);

export function chooseWorkers(
  asked: { count: number; from: string } | undefined, shape: ModelShape, batchSize: number, tasks: PlanTask[], machine: Machine = machineNow(),
): WorkersChoice {
  const positions = Math.max(16, ...tasks.map((t) => t.positions ?? 64));
  const each = bytesPerWorker(shape, batchSize, positions);
  const memo = `each worker holds its own copy of the weights, ~${gb(LOAD_PEAK * weightBytes(shape))} at load + up to ${gb(each - LOAD_PEAK * weightBytes(shape))} of activations`;
  if (asked) {
    if (!(Number.isInteger(asked.count) && asked.count >= 1)) throw new CircuitspecError(`workers must be a whole number >= 1 (got ${asked.count})`, { field: 'workers' });
    const fits = Math.floor((HEADROOM * machine.freeBytes) / each);
    const warn = asked.count > fits ? `; ${gb(machine.freeBytes)} free may not hold ${asked.count}` : '';
    return { count: asked.count, reason: `${asked.from}; ${memo}${warn}` };
  }
  const byMemory = Math.max(1, Math.floor((HEADROOM * machine.freeBytes) / each));
  const batches = Math.max(1, ...tasks.map((t) => Math.ceil((t.prompts ?? 0) / batchSize)));
  const count = Math.max(1, Math.min(machine.cores, byMemory, batches));
  const limit = count === machine.cores ? `one per core (${machine.cores})`
    : count === byMemory ? `${gb(machine.freeBytes)} free holds ${byMemory}` : `the largest task has ${batches} batch${batches === 1 ? '' : 'es'}`;
  return { count, reason: `default: ${limit}; ${memo}` };
}
