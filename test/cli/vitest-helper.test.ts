// describeSpec turns a spec into describe/it blocks: one passing claim, one xfail (it.fails), one skipped.
import { describeSpec } from '../../src/vitest.js';

describeSpec('test/cli/vitest-specs/helper.spec.yaml', { backend: 'wasm', timeout: 60_000 });
