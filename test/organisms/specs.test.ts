// Every organism spec runs on every CI run, one test per claim (the same specs `npm run demo` runs): the claims
// are what circuitspec found in the shipped checkpoints, so a change that moves a measurement fails here.
import { findSpecs } from '../../src/cli/find.js';
import { describeSpec } from '../../src/vitest.js';

for (const file of findSpecs(['specs/organisms'])) describeSpec(file, { backend: 'wasm', timeout: 300_000 });
