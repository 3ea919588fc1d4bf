/**
 * Messages between the main thread and a worker thread (structured-clone data only). A worker answers each
 * request with its id; errors travel as data and are rebuilt on the main thread as the same kind of error, so a
 * step fails with the message one worker would have given.
 */
import { CircuitspecError, type ErrorLocation } from '../../errors.js';
import type { LoadModelOptions } from '../executor/runtime.js';
import type { MetricRequest, Shard } from '../experiments/types.js';
import type { Series } from '../experiments/compute.js';
import type { PromptSet } from '../tasks/types.js';

/** What a worker loads at start (the same source, processing and backend as the main thread). */
export interface WorkerInit { source: string; load: LoadModelOptions }

export type Request =
  | { op: 'context'; seed: number; batchSize: number; shard: Shard }
  | { op: 'addTask'; set: PromptSet }
  | { op: 'warm'; task: string; side: 'clean' | 'corrupted' }
  | { op: 'series'; reqs: MetricRequest[] };

export interface Answers { context: null; addTask: null; warm: null; series: Series[] }

/** id 0 answers the model load. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

export interface WireError { circuitspec: boolean; message: string; location?: ErrorLocation; stack?: string }

export function toWire(e: unknown): WireError {
  if (e instanceof CircuitspecError) return { circuitspec: true, message: e.message, location: e.location };
  const err = e instanceof Error ? e : new Error(String(e));
  return { circuitspec: false, message: err.message, stack: err.stack };
}

export function fromWire(w: WireError): Error {
  if (w.circuitspec) return new CircuitspecError(w.message, w.location);
  const e = new Error(w.message);
  if (w.stack) e.stack = w.stack;
  return e;
}
