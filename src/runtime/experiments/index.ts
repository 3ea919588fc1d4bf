/** The Experiments API the executor calls (see notes/CONTRACTS.md). */
export type * from './types.js';
export { headName } from './types.js';
export { createContext, disposeContext, DEFAULT_CACHE_BYTES, positionsComputed } from './context.js';
export { computeMetric, computeMetrics } from './compute.js';
export { discoverCircuit, compareCircuits } from '../circuits/index.js';
