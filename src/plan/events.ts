/** What a run reports while it goes: reporters and progress bars listen to these (plain data). */
import type { ClaimResult, RunResults, SpecResult } from './results.js';
import type { StepKind } from './types.js';

export type RunEvent =
  | { type: 'spec-start'; spec: string; file: string; claims: number; steps: number }
  | { type: 'step-start'; spec: string; step: string; kind: StepKind; label: string }
  | { type: 'step-progress'; spec: string; step: string; label: string; done: number; total: number }
  | { type: 'step-end'; spec: string; step: string; kind: StepKind; ms: number; error?: string }
  | { type: 'claim'; spec: string; result: ClaimResult }
  /** An input that runs but may mislead (an answer without its leading space, an untrained token). */
  | { type: 'warning'; spec: string; message: string }
  | { type: 'spec-end'; result: SpecResult }
  | { type: 'run-end'; results: RunResults };

export type EventSink = (e: RunEvent) => void;
