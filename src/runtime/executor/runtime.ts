/**
 * What the executor needs from the runtime, as one small interface: the real one (tfjs-runtime.ts) wires the
 * model, tasks and experiments modules; tests can pass a fake.
 */
import type { TaskAttention } from '../experiments/attention-summary.js';
import type { Circuit, CircuitStage, MetricRequest, MetricValue } from '../experiments/types.js';
import type { PromptSet, TaskSource } from '../tasks/types.js';

export interface RuntimeModel {
  identity: { source: string; weightHash: string; processing: Record<string, boolean>; backend: string; adapter?: string };
  config: { nLayers: number; nHeads: number };
  dispose(): void;
}

export interface LoadModelOptions {
  backend: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
  processing: 'none' | 'transformerlens' | Record<string, boolean>;
  seed: number;
  /** Re-hash cached downloads (`--verify`). */
  verify?: boolean;
}

export type Progress = (p: { step: string; done: number; total: number }) => void;

export interface Runtime<M extends RuntimeModel = RuntimeModel, C = unknown> {
  loadModel(source: string, opts: LoadModelOptions): Promise<M>;
  buildTask(name: string, source: TaskSource, model: M, opts: { prependBos: boolean; baseDir: string }): PromptSet;
  /** Throws on a bad prompt set; returns warnings about inputs that run but may mislead (untrained answer tokens). */
  checkTask(set: PromptSet, model: M): void | string[] | Promise<string[]>;
  createContext(model: M, opts: { seed: number; batchSize: number; onProgress: Progress }): C;
  addTask(ctx: C, set: PromptSet): void;
  /** Runs (and keeps) a task's shared clean or corrupted run, so metrics reading it only reduce. */
  warmRun(ctx: C, task: string, side: 'clean' | 'corrupted'): Promise<void>;
  computeMetric(ctx: C, req: MetricRequest): Promise<MetricValue>;
  /** Several metrics at once, sharing each batch's clean run and reruns (one pass instead of one per metric). */
  computeMetrics?(ctx: C, reqs: MetricRequest[]): Promise<MetricValue[]>;
  discoverCircuit(ctx: C, task: string, stages: CircuitStage[]): Promise<Circuit>;
  /** Role-to-role attention of every head, for reports (optional: a fake runtime may leave it out). */
  attentionSummary?(ctx: C, task: string): Promise<TaskAttention>;
  dispose(ctx: C | undefined, model: M | undefined): void;
}
