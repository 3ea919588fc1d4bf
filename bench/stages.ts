/**
 * Path-patching stage benchmark (npm run bench:stages): one stage of each kind the paper's circuits use, on
 * random:gpt2-medium, each timed (CPU time of this single-threaded process, so other load on the machine does not
 * skew the ratio) against one forward pass of the same batch (logits at END; the median of four timed around the
 * stage), on the paper's own prompt shapes: IOI "mixed" prompts (14-20 tokens, S2 in the middle, padded batches) and the released Colored
 * Objects prompts (62 tokens, question object at 57). Head-receiver stages use the paper's sender rules (senders
 * below the lowest receiver layer, receivers excluded). Output format is fixed so runs can be compared:
 *
 *   stage <name>: <seconds> s CPU = <X> forward passes (<senders> senders; …)
 *   ...
 *   max forward-pass equivalents per stage: X
 *
 *   node --expose-gc dist/bench/stages.js [--model gpt2-medium] [--prompts 8] [--only <substring>]
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel, type HookedGPT2 } from '../src/runtime/model/index.js';
import { createContext, disposeContext } from '../src/runtime/experiments/index.js';
import { pathPatchFast, senderList, type PathPatchOptions } from '../src/runtime/interventions/path-patching/index.js';
import type { ExperimentContext, Head } from '../src/runtime/experiments/types.js';
import { buildTask } from '../src/runtime/tasks/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const heads = (s: string): Head[] => s.split(',').map((x) => ({ layer: Number(x.split('.')[0]), head: Number(x.split('.')[1]) }));
const paper = { sendersBelowReceivers: true, excludeReceivers: true };

/** Receivers at the paper's GPT-2 medium heads: movers 15.14/16.15, inhibition 12.3/13.4/13.13. */
const STAGES: [string, string, PathPatchOptions][] = [
  ['ioi logits at END', 'ioi', { receivers: 'logits', senderPositions: ['END'] }],
  ['ioi q at END, receivers in layers 15-16', 'ioi', { receivers: { heads: heads('15.14,16.15'), input: 'q', positions: ['END'] }, senderPositions: ['END'], ...paper }],
  ['ioi k at S2, receivers in layers 12-13', 'ioi', { receivers: { heads: heads('12.3,13.4,13.13'), input: 'k', positions: ['S2'] }, senderPositions: ['S2'], ...paper }],
  ['ioi v at S2, receivers in layers 12-13', 'ioi', { receivers: { heads: heads('12.3,13.4,13.13'), input: 'v', positions: ['S2'] }, senderPositions: ['S2'], ...paper }],
  ['cobj q at END, receivers in layers 12-13', 'cobj', { receivers: { heads: heads('12.3,13.4,13.13'), input: 'q', positions: ['END'] }, senderPositions: ['END'], ...paper }],
  ['cobj k at question_object, receivers in layers 12-13', 'cobj', { receivers: { heads: heads('12.3,13.4,13.13'), input: 'k', positions: ['question_object'] }, senderPositions: ['question_object'], ...paper }],
  ['cobj v at question_object, receivers in layers 12-13', 'cobj', { receivers: { heads: heads('12.3,13.4,13.13'), input: 'v', positions: ['question_object'] }, senderPositions: ['question_object'], ...paper }],
];

/** CPU time (user + system, ms) of a call: robust to other processes sharing the cores, unlike wall time. */
async function cpuMs(f: () => Promise<unknown>): Promise<{ cpu: number; wall: number; sys: number; user: number }> {
  const u = process.cpuUsage();
  const t = performance.now();
  await f();
  const d = process.cpuUsage(u);
  return { cpu: (d.user + d.system) / 1000, wall: performance.now() - t, sys: d.system / 1000, user: d.user / 1000 };
}

async function forward(model: HookedGPT2, ids: number[][]): Promise<number> {
  return (await cpuMs(async () => (await model.runWithHooks(ids, { logitsAt: 'last' })).logits.dispose())).cpu;
}

async function main(): Promise<void> {
  const modelName = arg('model', 'gpt2-medium');
  const n = Number(arg('prompts', '8'));
  const only = arg('only', '');
  const model = await loadModel(`random:${modelName}`, { backend: 'auto' });
  const tok = model.tokenizer;
  const tasks = [
    buildTask('ioi', { generator: 'ioi', n, seed: 0, templates: 'mixed', corruption: 's2_io_flip' }, tok),
    buildTask('cobj', { dataset: 'colored-objects-paper', n }, tok),
  ];
  const ctx: ExperimentContext = createContext(model, tasks, { batchSize: n });
  console.log(`path-patching stages: random:${modelName} (${model.config.nLayers}×${model.config.nHeads}), ${n} prompts per task, backend ${tf.getBackend()}`);
  const ids = new Map(tasks.map((t) => [t.name, t.prompts.map((p) => p.tokens)]));
  await forward(model, ids.get('ioi')!.slice(0, 2)); // warm-up
  let worst = 0;
  for (const [name, task, opts] of STAGES.filter((s) => s[0].includes(only))) {
    // Costs in CPU time of this (single-threaded) process, so a busy machine does not skew the ratio.
    // The unit: the median of four forwards, two before and two after the stage (the machine's speed drifts over
    // a stage by ±10%; a minimum would favour the forward).
    const fwds = [await forward(model, ids.get(task)!), await forward(model, ids.get(task)!)];
    (globalThis as { gc?: () => void }).gc?.();
    const r = await cpuMs(() => pathPatchFast(ctx, task, opts));
    fwds.push(await forward(model, ids.get(task)!), await forward(model, ids.get(task)!));
    fwds.sort((a, b) => a - b);
    const fwd = (fwds[1] + fwds[2]) / 2;
    const x = r.cpu / fwd;
    worst = Math.max(worst, x);
    const nSenders = senderList(model.config, opts).length;
    const mem = tf.memory();
    console.log(`stage ${name}: ${(r.cpu / 1000).toFixed(1)} s CPU = ${x.toFixed(1)} forward passes (${nSenders} senders; forward ${(fwd / 1000).toFixed(2)} s CPU; wall ${(r.wall / 1000).toFixed(1)} s; sys/user ${(r.sys / r.user * 100).toFixed(0)}%; ${mem.numTensors} tensors, ${(mem.numBytes / 2 ** 20).toFixed(0)} MiB after)`);
  }
  console.log(`max forward-pass equivalents per stage: ${worst.toFixed(1)}`);
  disposeContext(ctx);
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
