/**
 * Worker-thread benchmark (npm run bench:workers): the same spec run with 1 and with 2 workers — IOI prompts on
 * random:gpt2-medium, a metrics step (logit difference, accuracy under a mean ablation) and a path-patching
 * stage to the logits — timing the work (every step but the model load, which each worker repeats) and checking
 * that the values are bit-identical. tfjs-wasm runs one thread per worker, so on 2 cores the ideal is 2×.
 *
 *   node dist/bench/workers.js [--model gpt2-medium] [--prompts 4] [--batch 2] [--workers 2]
 */
import { compileText } from '../src/dsl/compile.js';
import { executePlan } from '../src/runtime/executor/execute.js';
import type { SpecResult } from '../src/plan/results.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const spec = (model: string, n: number, batch: number): string => `
name: bench-workers
model: {source: "random:${model}", backend: wasm}
seed: 0
batchSize: ${batch}
tasks:
  ioi: {source: ioi, n: ${n}, seed: 1, templates: mixed, corruption: s2_io_flip}
interventions:
  ablate_9: {type: ablate, method: mean, heads: "layers 9 heads *"}
metrics:
  ld: {kind: logit_diff, task: ioi}
  acc_ablated: {kind: accuracy, task: ioi, with: ablate_9}
circuits:
  stage1:
    task: ioi
    stages:
      - {name: to_logits, role: mover, top: 5}
expect:
  ran: {assert: "ld > -1000 and acc_ablated >= 0 and count(heads(stage1)) == 5"}
`;

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function values(r: SpecResult): string {
  return JSON.stringify({ metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, m]) => [k, m.value])), circuits: r.circuits });
}

async function main(): Promise<void> {
  const model = arg('model', 'gpt2-medium');
  const n = Number(arg('prompts', '4'));
  const batch = Number(arg('batch', '2'));
  const many = Number(arg('workers', '2'));
  const text = spec(model, n, batch);
  const runs: { workers: number; work: number; load: number; result: SpecResult }[] = [];
  for (const workers of [1, many]) {
    const result = await executePlan(compileText('bench/workers.spec.yaml', text, { workers }));
    if (result.error) throw new Error(result.error);
    const steps = result.timings.steps;
    const work = Object.entries(steps).filter(([id]) => id !== 'model').reduce((a, [, ms]) => a + ms, 0);
    runs.push({ workers, work, load: steps.model, result });
    console.log(`${workers} worker${workers > 1 ? 's' : ''}: work ${secs(work)} (${Object.entries(steps).filter(([id]) => id !== 'model' && steps[id] > 100).map(([id, ms]) => `${id} ${secs(ms)}`).join(', ')}); model load ${secs(steps.model)}`);
  }
  const [one, two] = runs;
  console.log(`random:${model}, ${n} IOI prompts in batches of ${batch}: a metrics step and a path-patching stage`);
  console.log(`speed-up with ${many} workers: ${(one.work / two.work).toFixed(2)}× (identical: ${values(one.result) === values(two.result) ? 'yes' : 'no'})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
