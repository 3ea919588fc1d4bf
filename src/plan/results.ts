/** Results of running plans: plain JSON, written by `--out`, read by reporters and `circuitspec diff`. */
import type { TaskAttention } from '../runtime/experiments/attention-summary.js';
import type { Circuit, MetricRequest, MetricValue } from '../runtime/experiments/types.js';
import type { Quantity } from './quantity.js';
import type { ProcessingSpec, SpecLocation, Tol } from './types.js';

export type { Circuit, MetricValue, TaskAttention };

export type Verdict = 'pass' | 'fail' | 'skip' | 'xfail' | 'xpass' | 'error';

/** A value as claims see it: a number, a head set ('12.3' names), or a head table. */
export type Measured =
  | { type: 'number'; value: number }
  | { type: 'heads'; heads: string[] }
  | { type: 'table'; nLayers: number; nHeads: number; values: number[][] }
  /** A random control: `value` is the samples' mean (what comparisons read), `sd` their sample standard deviation. */
  | { type: 'distribution'; value: number; sd: number; values: number[] }
  | { type: 'bool'; value: boolean };

/** beats / below: the value against a random control, k standard deviations out; z = (value − mean) / sd. */
export interface ControlCheck { mean: number; sd: number; samples: number; k: number; z?: number }

/**
 * One comparison inside a claim: what was measured, what was expected, and whether it held. `measured` is always
 * the computed side: `{15.14} <= top(pp, 8)` is recorded as `top(pp, 8) ⊇ {15.14}`.
 */
export interface Check {
  text: string;
  measured: Measured;
  /** What the measured value is (metric kind and unit), when it comes from a metric. */
  quantity?: Quantity;
  op: string;
  expected: Measured;
  tol?: Tol;
  /** Set by beats / below: `expected` is mean ± k·sd of this control. */
  control?: ControlCheck;
  pass: boolean;
}

export interface ClaimResult {
  name: string;
  assert: string;
  verdict: Verdict;
  /** The headline comparison's sides: the first part that agrees with the verdict (a failing part when it fails). */
  measured?: Measured;
  expected?: string;
  /** Index in `checks` of the headline comparison. */
  headline?: number;
  checks: Check[];
  message?: string;
  reason?: string;
  tags: string[];
  description?: string;
  ref?: string;
  at: SpecLocation;
  /** The metrics and circuits the claim reads, by their spec names. */
  reads?: string[];
  /** Heads written in the assertion (`score(pp, 2.3)`, `{1.0, 1.1}`), for outlining them in pictures. */
  heads?: string[];
  /** Evaluation time plus the time of the metric and circuit steps it reads. */
  ms: number;
}

export interface MetricResult {
  /** The spec's name for it, or its expression for inline metrics. */
  name: string;
  request: MetricRequest;
  value: MetricValue;
  ms: number;
}

export interface Provenance {
  specFile: string;
  specSha256: string;
  model: {
    source: string; weightHash: string; processing: ProcessingSpec | Record<string, boolean>; backend: string;
    /** The GPU adapter the webgpu backend ran on (e.g. "SwiftShader driver 5.0.0 (google swiftshader), software"). */
    adapter?: string;
  };
  /** A spec with `models:`: every model's identity by its name there (`model` is the first of them). */
  models?: Record<string, Provenance['model']>;
  packageVersion: string;
  /** The git commit of the circuitspec checkout that ran, when it runs from one. */
  commit?: string;
  node: string;
  platform: string;
  seed: number;
  /** Seeds each task was generated with. */
  taskSeeds: Record<string, number>;
  batchSize: number;
  /** `--limit`: the first N prompts of every task were used. */
  limit?: number;
  startedAt: string;
}

/** A circuit stage as the spec declared it, for drawing the circuit: where its senders were patched into. */
export interface StageInfo {
  name: string;
  role: string;
  /** `logits`, or the receivers' input and positions (`v at S2`). */
  into: string;
  /** Earlier stages whose heads are the receivers (literal receiver heads in `receiverHeads`). */
  receiverStages: string[];
  receiverHeads: string[];
}

export interface SpecResult {
  version: 1;
  name: string;
  file: string;
  description?: string;
  provenance: Provenance;
  metrics: Record<string, MetricResult>;
  circuits: Record<string, Circuit>;
  /** Each path-patching circuit's stages as declared (declared circuits have none). */
  circuitStages?: Record<string, StageInfo[]>;
  /** Per task: mean attention between role positions per head, and one prompt's attention rows. */
  attention?: Record<string, TaskAttention>;
  claims: ClaimResult[];
  timings: { totalMs: number; steps: Record<string, number> };
  /** Set when the spec could not run at all (the model did not load, a task failed its checks, …). */
  error?: string;
  /** The error is in the inputs (checkpoint, task data), not a claim: the run exits 2. */
  inputError?: boolean;
  /** Inputs that ran but may mislead, each naming the prompt or token. */
  warnings?: string[];
}

export interface Summary { passed: number; failed: number; skipped: number; xfailed: number; xpassed: number; errors: number }

export interface RunResults {
  version: 1;
  specs: SpecResult[];
  summary: Summary;
  durationMs: number;
}

export function summarize(specs: SpecResult[]): Summary {
  const s: Summary = { passed: 0, failed: 0, skipped: 0, xfailed: 0, xpassed: 0, errors: 0 };
  for (const spec of specs) {
    if (spec.error && spec.claims.length === 0) s.errors++;
    for (const c of spec.claims) {
      if (c.verdict === 'pass') s.passed++;
      else if (c.verdict === 'fail') s.failed++;
      else if (c.verdict === 'skip') s.skipped++;
      else if (c.verdict === 'xfail') s.xfailed++;
      else if (c.verdict === 'xpass') s.xpassed++;
      else s.errors++;
    }
  }
  return s;
}

/** A run fails when any claim fails, passes unexpectedly (strict xfail) or errors. */
export function runFailed(s: Summary): boolean {
  return s.failed + s.xpassed + s.errors > 0;
}
