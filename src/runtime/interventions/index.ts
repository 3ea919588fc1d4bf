/** Interventions on the model's runs: patching, ablation, attention override, sweeps, head scores, path patching. */
export { batchHooks, baseSide, overrideHooks, kvNames, type BatchIntervention } from './hooks.js';
export { blockHooks, type BlockRows } from './attention-block.js';
export { runIntervened, runBatchIntervened } from './run.js';
export { validateIntervention } from './validate.js';
export { sweepHeads, sweepLayersPositions } from './sweeps.js';
export { headScores, repeatedSequences, scoreTargets, HEAD_SCORES, type HeadScore, type HeadScoreOptions } from './head-scores.js';
export * from './path-patching/index.js';
