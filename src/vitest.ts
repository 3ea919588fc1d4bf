/**
 * Specs inside a project's own vitest suite: `describeSpec('specs/x.spec.yaml')` makes a describe block with one
 * `it` per claim. The spec compiles when the file is collected (spec errors fail the suite at once) and runs once,
 * before its first claim; xfail claims use `it.fails`, so an unexpected pass fails the test.
 */
import { resolve } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { compileFile, type CompileOptions } from './dsl/compile.js';
import { formatExpected, formatMeasured } from './plan/format.js';
import type { SpecResult } from './plan/results.js';
import { selectClaims, type Selection } from './plan/select.js';
import { checkInputs } from './cli/runner.js';
import { executePlan } from './runtime/executor/execute.js';
import type { Runtime } from './runtime/executor/runtime.js';

export interface DescribeSpecOptions extends CompileOptions, Selection {
  /** Per-test and setup timeout, ms (default 10 minutes: real models are slow on CPU). */
  timeout?: number;
  runtime?: Runtime;
}

export function describeSpec(path: string, opts: DescribeSpecOptions = {}): void {
  const { plan } = selectClaims(compileFile(resolve(path), opts), opts);
  const timeout = opts.timeout ?? 600_000;
  describe(plan.spec.name, () => {
    let result: SpecResult;
    beforeAll(async () => {
      // Bad input (task data, checkpoint) fails the setup with its one located line, before any weights load.
      const { warnings, prebuilt } = await checkInputs(plan);
      result = await executePlan(plan, { runtime: opts.runtime, warnings, ...(!opts.runtime && { prebuilt }) });
    }, timeout);
    for (const claim of plan.claims) {
      const test = claim.mode === 'skip' ? it.skip : claim.mode === 'xfail' ? it.fails : it;
      test(claim.name, () => {
        const r = result.claims.find((c) => c.name === claim.name);
        if (!r) throw new Error(`claim '${claim.name}' did not run${result.error ? `: ${result.error}` : ''}`);
        if (r.verdict === 'pass' || r.verdict === 'xpass') return;
        const detail = r.checks.map((k) => `${k.text}: got ${formatMeasured(k.measured)}, expected ${formatExpected(k)}`).join('\n');
        throw new Error(`${r.assert}\n${r.message ?? detail}${r.verdict === 'error' && result.error ? `\n${result.error}` : ''}`);
      }, timeout);
    }
  });
}
