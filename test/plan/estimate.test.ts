// The plan's cost estimate against a measured run: per step, the forward-pass equivalents the runtime counts
// (positions computed), which are deterministic — wall-time checks belong to a bench script.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileText } from '../../src/dsl/compile.js';
import type { Plan } from '../../src/plan/types.js';
import { estimatePlan, type TaskShapes } from '../../src/plan/estimate.js';
import type { RunEvent } from '../../src/plan/events.js';
import { executePlan } from '../../src/runtime/executor/execute.js';
import type { Runtime } from '../../src/runtime/executor/runtime.js';
import { tfjsRuntime } from '../../src/runtime/executor/tfjs-runtime.js';
import { batchShapes } from '../../src/runtime/experiments/batches.js';
import { positionsComputed } from '../../src/runtime/experiments/context.js';
import type { ExperimentContext } from '../../src/runtime/experiments/types.js';
import type { PromptSet } from '../../src/runtime/tasks/types.js';

/** Runs a plan on one worker, recording per step the positions the model computed, and the built tasks. */
async function measure(plan: Plan): Promise<{ perStep: Map<string, number>; shapes: TaskShapes }> {
  const inner = await tfjsRuntime();
  let ctx: ExperimentContext | undefined;
  const sets: PromptSet[] = [];
  const runtime: Runtime = {
    ...inner,
    createContext: (m, o) => (ctx = inner.createContext(m, o) as ExperimentContext),
    addTask: (c, set) => (sets.push(set), inner.addTask(c, set)),
  };
  const perStep = new Map<string, number>();
  let at = 0;
  const onEvent = (e: RunEvent): void => {
    if (e.type === 'step-start') at = ctx ? positionsComputed(ctx) : 0;
    if (e.type === 'step-end') perStep.set(e.step, (ctx ? positionsComputed(ctx) : 0) - at);
  };
  const result = await executePlan(plan, { runtime, onEvent });
  expect(result.error).toBeUndefined();
  return { perStep, shapes: Object.fromEntries(sets.map((s) => [s.name, batchShapes(s, plan.batchSize)])) };
}

describe('plan estimate', () => {
  it('organism ioi-s: every step kind within ±30% of the positions a run computes', async () => {
    // Smaller tasks (20 prompts, 2 batches) to keep the test short; the circuit's second stage names its
    // receivers (the heads its first stage finds), since heads found by earlier stages are not known to a plan.
    const file = 'specs/organisms/ioi-s.spec.yaml';
    const text = readFileSync(file, 'utf8').replaceAll('n: 100', 'n: 20').replace('batchSize: 50', 'batchSize: 10')
      .replace('receiver: {heads: inhibition, input: v', 'receiver: {heads: "{1.0, 1.1, 1.2}", input: v');
    const plan = compileText(resolve(file), text, { workers: 1, backend: 'wasm' });
    const { perStep, shapes } = await measure(plan);
    const est = estimatePlan(plan, shapes);
    const groups = new Map<string, { est: number; got: number; kinds: Set<string> }>();
    for (const e of est) {
      const step = plan.steps.find((s) => s.id === e.id)!;
      // Per-prompt metrics of one task run as one pass (the first step of the group gets all of it).
      const shared = step.kind === 'metric' && ['logit_diff', 'accuracy', 'answer_prob', 'patching_score'].includes(step.request.kind);
      const key = shared ? `per-prompt metrics on ${e.task}` : e.id;
      const g = groups.get(key) ?? { est: 0, got: 0, kinds: new Set() };
      g.est += e.positions;
      g.got += perStep.get(e.id) ?? 0;
      g.kinds.add(step.kind === 'metric' ? step.request.kind : step.kind);
      groups.set(key, g);
    }
    const kinds = new Set([...groups.values()].flatMap((g) => [...g.kinds]));
    for (const k of ['clean_run', 'corrupted_run', 'accuracy', 'path_patch', 'dla', 'attention', 'head_scores', 'circuit']) expect(kinds).toContain(k);
    const off = [...groups].filter(([, g]) => (g.got === 0 ? g.est !== 0 : Math.abs(g.est / g.got - 1) > 0.3)).map(([k, g]) => `${k}: estimated ${g.est}, measured ${g.got}`);
    expect(off).toEqual([]);
    const total = (f: (g: { est: number; got: number }) => number) => [...groups.values()].reduce((a, g) => a + f(g), 0);
    expect(Math.abs(total((g) => g.est) / total((g) => g.got) - 1)).toBeLessThan(0.1);
  });
});
