/**
 * Several models in one spec, run for real on the two IOI organisms: every value equals the one a one-model spec
 * measures on that model alone, the first model's tensors are freed before the second loads, provenance names
 * both, and claims compare them.
 */
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileText } from '../../../src/dsl/compile.js';
import type { SpecResult } from '../../../src/plan/results.js';
import { executePlan } from '../../../src/runtime/executor/execute.js';
import type { Runtime } from '../../../src/runtime/executor/runtime.js';
import { tfjsRuntime } from '../../../src/runtime/executor/tfjs-runtime.js';
import { fakeRuntime, scalar } from './fake-runtime.js';

const FILE = 'test/runtime/executor/virtual.spec.yaml';
const IOI_S = resolve('fixtures/organisms/ioi-s');
const IOI_COBJ_S = resolve('fixtures/organisms/ioi-cobj-s');

const BODY = `seed: 0
batchSize: 10
tasks:
  ioi: {source: ioi, n: 10, seed: 1, templates: mixed, corruption: s2_io_flip}
metrics:
  ld: {kind: logit_diff, task: ioi}
  acc: {kind: accuracy, task: ioi, over: distractors}
  pp: {kind: path_patch, task: ioi, to: logits, senders: [END]}
circuits:
  c: {task: ioi, stages: [{name: movers, role: mover, top: 3}]}
`;

const TWO = `name: two
models:
  s: {source: ${IOI_S}}
  cobj: {source: ${IOI_COBJ_S}}
${BODY}expect:
  both_solve: {assert: "ld@s > 1 and ld@cobj > 1 and acc@s > 0.9 and acc@cobj > 0.9"}
  inline: {assert: "accuracy(ioi, over=distractors, on=cobj) == acc@cobj ± 0"}
  reuse: {assert: "overlap(heads(c@s), heads(c@cobj)) >= 0 and overlap(top(pp@s, 3), top(pp@cobj, 3)) >= 0"}
`;
const one = (source: string) => `name: one\nmodel: {source: ${source}}\n${BODY}expect:\n  a: {assert: "ld > 0"}\n`;

/** The tfjs runtime, noting live tensors before each load and after each dispose. */
async function watched(): Promise<{ runtime: Runtime; log: string[] }> {
  const inner = await tfjsRuntime();
  const log: string[] = [];
  const runtime: Runtime = {
    ...inner,
    loadModel: async (source, o) => {
      log.push(`load ${tf.memory().numTensors}`);
      return inner.loadModel(source, o);
    },
    dispose: (ctx, m) => {
      inner.dispose(ctx, m);
      log.push(`dispose ${tf.memory().numTensors}`);
    },
  };
  return { runtime, log };
}

async function run(text: string, runtime?: Runtime): Promise<SpecResult> {
  const plan = compileText(FILE, text, { workers: 1 });
  const r = await executePlan(plan, { runtime: runtime ?? (await tfjsRuntime()) });
  expect(r.error).toBeUndefined();
  return r;
}

describe('models: the executor', () => {
  it('loads each model once, builds its tasks with it, frees it before the next; claims after both', async () => {
    const calls: string[] = [];
    const runtime = fakeRuntime({ metric: (r) => scalar(r.kind === 'accuracy' ? 0.5 : 2), calls });
    const plan = compileText(FILE, `name: fake
models:
  a: {source: random:tiny}
  b: {source: random:gpt2}
tasks:
  ioi: {source: ioi, n: 4}
metrics:
  acc: {kind: accuracy, task: ioi}
  ld: {kind: logit_diff, task: ioi}
expect:
  x: {assert: "acc@a == acc@b and ld@b > acc@a"}
`, { workers: 1 });
    const r = await executePlan(plan, { runtime });
    expect(calls).toEqual([
      'load random:tiny', 'build ioi', 'check ioi', 'clean ioi', 'metrics accuracy,logit_diff', 'dispose',
      'load random:gpt2', 'build ioi', 'check ioi', 'clean ioi', 'metrics accuracy,logit_diff', 'dispose',
    ]);
    expect(r.claims.map((c) => c.verdict)).toEqual(['pass']);
    expect(Object.keys(r.metrics)).toEqual(['acc@a', 'ld@a', 'acc@b', 'ld@b']);
    expect(Object.keys(r.provenance.models!)).toEqual(['a', 'b']);
    expect(r.provenance.models!.b.source).toBe('random:gpt2');
  });
});

describe('models: two organisms in one spec', () => {
  it('values equal the one-model runs, one model in memory at a time, provenance names both', async () => {
    const { runtime, log } = await watched();
    const two = await run(TWO, runtime);
    const [s, cobj] = [await run(one(IOI_S)), await run(one(IOI_COBJ_S))];

    for (const [name, alone] of [['s', s], ['cobj', cobj]] as const) {
      for (const m of ['ld', 'acc', 'pp']) expect(two.metrics[`${m}@${name}`].value, `${m}@${name}`).toEqual(alone.metrics[m].value);
      expect(two.circuits[`c@${name}`]).toEqual(alone.circuits.c);
      expect(two.provenance.models![name]).toEqual(alone.provenance.model);
    }
    expect(two.provenance.model).toEqual(two.provenance.models!.s);
    expect(two.provenance.models!.s.weightHash).not.toBe(two.provenance.models!.cobj.weightHash);

    // Loaded, freed, loaded, freed: the second model loads with exactly as many tensors alive as the first did.
    expect(log.map((l) => l.split(' ')[0])).toEqual(['load', 'dispose', 'load', 'dispose']);
    const n = log.map((l) => Number(l.split(' ')[1]));
    expect(n[1]).toBe(n[0]);
    expect(n[2]).toBe(n[0]);
    expect(n[3]).toBe(n[0]);

    expect(Object.fromEntries(two.claims.map((c) => [c.name, c.verdict]))).toEqual({ both_solve: 'pass', inline: 'pass', reuse: 'pass' });
    expect(two.claims.find((c) => c.name === 'reuse')!.reads).toEqual(['c@s', 'c@cobj', 'pp@s', 'pp@cobj']);
  }, 120_000);

  it('a model that fails to load fails its own claims; the other model still runs', async () => {
    const plan = compileText(FILE, TWO.replace(`cobj: {source: ${IOI_COBJ_S}}`, `cobj: {source: ${IOI_COBJ_S}}\n  gone: {source: ${IOI_S}}`)
      .replace('expect:\n', 'expect:\n  on_gone: {assert: "ld@gone > 1"}\n'), { workers: 1 });
    const inner = await tfjsRuntime();
    let loads = 0;
    // The third load (model 'gone') fails.
    const runtime: Runtime = { ...inner, loadModel: (source, o) => (loads++ === 2 ? Promise.reject(new Error('disk gone')) : inner.loadModel(source, o)) };
    const r = await executePlan(plan, { runtime });
    expect(r.error).toMatch(/load model gone/);
    const verdicts = Object.fromEntries(r.claims.map((c) => [c.name, c.verdict]));
    expect(verdicts).toMatchObject({ on_gone: 'error', both_solve: 'pass' });
  }, 120_000);

  it('with worker threads: the same values', async () => {
    const slim = TWO.replace(/  pp: .*\n/, '').replace(/circuits:\n.*\n/, '').replace(/  reuse: .*\n/, '');
    const plan = compileText(FILE, slim, { workers: 2 });
    const r = await executePlan(plan);
    expect(r.error).toBeUndefined();
    // The inline accuracy(…, on=cobj) is acc@cobj's request: one step.
    expect(Object.keys(r.metrics).sort()).toEqual(['acc@cobj', 'acc@s', 'ld@cobj', 'ld@s'].sort());
    const alone = await run(slim);
    for (const k of Object.keys(alone.metrics)) expect(r.metrics[k].value, k).toEqual(alone.metrics[k].value);
  }, 120_000);
});
