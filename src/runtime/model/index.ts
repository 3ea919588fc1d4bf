/** The model's public surface (others import from here). */
export { type ModelConfig, type HFConfigRecord, configFromHF, namedConfig, NAMED_SHAPES } from './config.js';
export {
  type GPT2Weights, type BlockWeights, type LayerNormWeights, type WeightSource,
  weightsFromSource, weightTensors, disposeWeights, mapWeights, headWO, headQKV, exportHFWeights,
} from './weights.js';
export { gatherRows, geluNew, linear, repeat } from './ops.js';
export { forward, layerNorm, runBlocks, causalMask, type AttentionCore, type ForwardOptions, type ForwardResult, type HookRunner, type LogitsAt } from './forward.js';
export { type Hook, type HookFn, type CacheRequest, hookNames, parseHookName, hookShape } from './hooks.js';
export { type ActivationCache, TensorCache } from './cache.js';
export { HookedGPT2, type RunOptions, type ModelInput, type ModelIdentity } from './hooked-gpt2.js';
export {
  type ProcessingFlags, type ProcessingOption, NO_PROCESSING, TL_PROCESSING, resolveProcessing, processWeights,
} from './processing.js';
export { randomWeightSource } from './random.js';
export { loadModel, type LoadOptions } from './load.js';
export { crossEntropy } from './loss.js';
