/**
 * A Plan: what the compiler makes of a spec and the executor runs. Plain JSON data (printable, savable, sendable
 * to a worker): every name is resolved, every metric is a runtime MetricRequest, claims are a typed expression tree.
 */
import type { Head, HeadInput, Intervention, MetricRequest, PathPatchNormalization, ResidHook } from '../runtime/experiments/types.js';
import type { TaskSource } from '../runtime/tasks/types.js';

export type { Head, Intervention, MetricRequest, TaskSource };

export interface ModelShape { nLayers: number; nHeads: number; dModel: number; dVocab: number; nCtx: number }

export type ProcessingSpec =
  | 'none'
  | 'transformerlens'
  | { foldLn?: boolean; centerWritingWeights?: boolean; centerUnembed?: boolean; foldValueBiases?: boolean };

export interface PlanModel {
  /** `random:…`, a hub id, or an absolute folder. */
  source: string;
  processing: ProcessingSpec;
  backend: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
  shape: ModelShape;
}

/** One of a spec's `models:`, by its name there. */
export interface NamedPlanModel extends PlanModel { name: string }

export interface PlanTask {
  name: string;
  source: TaskSource;
  prependBos: boolean;
  /** Folder relative task files are read from (the spec's folder). */
  baseDir: string;
  roles: string[];
  /** Known before building (generators); undefined for datasets and files. */
  prompts?: number;
  /** Typical prompt length in tokens, for estimates. */
  positions?: number;
  /** Only the first `limit` prompts are used (`--limit`: a slice of a long task). */
  limit?: number;
  /** Where the task is declared, so an error found when it is built points into the spec. */
  at?: SpecLocation;
  /** With several models: the one whose tokenizer builds it (each model gets its own copy of the task). */
  model?: string;
}

/** Where in the spec something came from, for reports and errors. */
export interface SpecLocation { file: string; line: number; column: number }

export type StepKind = 'load_model' | 'build_task' | 'check_task' | 'clean_run' | 'corrupted_run' | 'metric' | 'circuit' | 'claim';

interface StepBase {
  id: string;
  deps: string[];
  /** Human label for progress and `circuitspec plan`. */
  label: string;
  /** Estimated forward passes over one prompt (prompts × passes). */
  forwardPasses: number;
  /** With several models: the model the step runs on (its steps are contiguous, loaded once). */
  model?: string;
}

export type Receiver =
  | 'logits'
  /** Receivers: literal heads plus the heads of earlier stages (by name), resolved when the stage runs. */
  | { heads: Head[]; stages: string[]; input: HeadInput; positions: string[] }
  | { resid: ResidHook; layer: number; positions: string[] };

export interface PlanStage {
  name: string;
  role: string;
  receiver: Receiver;
  senderPositions?: string[];
  /** `senders: all`: every position. */
  allSenderPositions?: boolean;
  freezeMlps?: boolean;
  sendersBelowReceivers?: boolean;
  excludeReceivers?: boolean;
  normalization?: PathPatchNormalization;
  keep: { topK?: number; topPercent?: number; threshold?: number };
  sign: 'positive' | 'negative' | 'abs';
}

export type PlanStep =
  | (StepBase & { kind: 'load_model' })
  | (StepBase & { kind: 'build_task' | 'check_task' | 'clean_run' | 'corrupted_run'; task: string })
  | (StepBase & { kind: 'metric'; name: string; request: MetricRequest; /** Declared in `metrics:` (not inline in a claim). */ named: boolean })
  | (StepBase & { kind: 'circuit'; name: string; task?: string; stages: PlanStage[]; declared?: { layer: number; head: number; role: string }[] })
  | (StepBase & { kind: 'claim'; claim: string });

export type MetricStep = Extract<PlanStep, { kind: 'metric' }>;
export type CircuitStep = Extract<PlanStep, { kind: 'circuit' }>;

export type Tol = { abs?: number; rel?: number };
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';
/** `distribution`: a random control's values, one per sample (read with mean, sd, beats, below). */
export type ValueType = 'number' | 'heads' | 'table' | 'distribution' | 'bool';

/** Claim expressions, typed at compile time. `text` is the source form, shown next to measured values. */
export type ClaimExpr =
  | { op: 'num'; value: number; text: string }
  | { op: 'heads'; heads: Head[]; text: string }
  /** A metric step's value: a scalar (number), a head table, or a random control's distribution. */
  | { op: 'metric'; step: string; type: 'number' | 'table' | 'distribution'; text: string }
  /** A circuit's heads, optionally one role's. */
  | { op: 'circuit'; step: string; role?: string; text: string }
  | { op: 'fn'; fn: FnName; args: ClaimExpr[]; opts: Record<string, string | number>; type: ValueType; text: string }
  | { op: 'compare'; cmp: CompareOp; operands: 'number' | 'heads'; left: ClaimExpr; right: ClaimExpr; tol?: Tol; text: string }
  | { op: 'and' | 'or'; args: ClaimExpr[]; text: string }
  | { op: 'not'; arg: ClaimExpr; text: string };

export type FnName =
  | 'delta' | 'ratio' | 'abs' | 'neg'
  | 'top' | 'score' | 'rank' | 'count'
  | 'overlap' | 'coverage' | 'shared' | 'union'
  | 'spearman' | 'regressions'
  | 'mean' | 'sd' | 'beats' | 'below';

export type ClaimMode = 'run' | 'skip' | 'xfail';

export interface PlanClaim {
  name: string;
  /** The assertion as written. */
  assert: string;
  expr: ClaimExpr;
  mode: ClaimMode;
  /** Why skipped / why expected to fail. */
  reason?: string;
  only: boolean;
  tags: string[];
  description?: string;
  ref?: string;
  /** Steps the claim reads (metric and circuit step ids). */
  needs: string[];
  at: SpecLocation;
}

export interface Plan {
  version: 1;
  spec: {
    name: string;
    description?: string;
    file: string;
    sha256: string;
    paper?: { title?: string; authors?: string; arxiv?: string; url?: string; year?: number };
    tags: string[];
  };
  /** The model (with several, the first of them). */
  model: PlanModel;
  /** A spec with `models:`, in run order; absent for a spec with one `model:`. */
  models?: NamedPlanModel[];
  seed: number;
  batchSize: number;
  /** `--limit`: every task cut to its first N prompts. */
  limit?: number;
  /** Worker threads, and why that many (asked for, or the cores and memory of the machine that compiled it). */
  workers: { count: number; reason: string };
  tasks: PlanTask[];
  steps: PlanStep[];
  claims: PlanClaim[];
  estimate: { forwardPasses: number; prompts: number };
}
