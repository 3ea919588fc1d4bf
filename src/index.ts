/**
 * circuitspec's public API: the runtime's user-facing pieces (model, tokenizer, tasks, metrics, interventions,
 * circuits) and `runSpec` for running spec files from code. Everything else is internal.
 */
export { initBackend, type BackendName } from './runtime/backend.js';
export { CircuitspecError } from './errors.js';

// Model
export {
  loadModel, HookedGPT2, forward, crossEntropy, hookNames,
  type LoadOptions, type ModelConfig, type RunOptions, type ModelInput, type ModelIdentity, type Hook, type HookFn,
  type ActivationCache, type ProcessingFlags, type ProcessingOption, type GPT2Weights,
} from './runtime/model/index.js';

// Tokenizer and checkpoint IO
export { loadTokenizer, gpt2Tokenizer, type Tokenizer } from './runtime/tokenizer/index.js';
export { resolveModelSource } from './runtime/io/hub.js';
export { SafetensorsFile, writeSafetensors } from './runtime/io/safetensors.js';

// Tasks, metrics, interventions, circuits
export { buildTask, checkTask, generateIoi, generateColoredObjects, generateGreaterThan, loadColoredObjectsPaper, loadJsonlTask } from './runtime/tasks/index.js';
export type { Prompt, PromptSet, TaskSource } from './runtime/tasks/types.js';
export {
  createContext, disposeContext, computeMetric, computeMetrics, discoverCircuit, compareCircuits, headName,
} from './runtime/experiments/index.js';
export type * from './runtime/experiments/types.js';
export { headScores, scoreTargets, sweepHeads, sweepLayersPositions, runIntervened } from './runtime/interventions/index.js';
export * from './runtime/interventions/path-patching/index.js';

// Specs
export { runSpec, runSpecs, type RunOptions as RunSpecOptions } from './cli/runner.js';
export { compileFile, compileText } from './dsl/compile.js';
export { executePlan } from './runtime/executor/execute.js';
export type { Plan } from './plan/types.js';
export type { SpecResult, RunResults, ClaimResult } from './plan/results.js';
export { REPORTERS, diffResults } from './report/index.js';
