export { discoverCircuit } from './discover.js';
export { compareCircuits, byLayerHead } from './compare.js';
export { selectHeads } from './select.js';
