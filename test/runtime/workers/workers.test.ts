// Worker threads: results bit-identical to one worker (every metric kind, a circuit, an organism spec), a worker's
// errors reported as one worker reports them, dead workers failing their requests instead of hanging.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpec } from '../../../src/cli/runner.js';
import { compileText } from '../../../src/dsl/compile.js';
import { chooseWorkers } from '../../../src/dsl/workers.js';
import { executePlan } from '../../../src/runtime/executor/execute.js';
import { shardRange } from '../../../src/runtime/experiments/batches.js';
import { mergeSeries } from '../../../src/runtime/experiments/compute.js';
import { WorkerPool } from '../../../src/runtime/workers/pool.js';
import type { SpecResult } from '../../../src/plan/results.js';
import { CircuitspecError } from '../../../src/errors.js';

const ORGANISM = resolve('fixtures/organisms/ioi-s');

// 24 prompts in batches of 9 (9, 9, 6): two workers split them unevenly, a padded short batch included.
const EVERY_KIND = `
name: every-kind
model: {source: ${ORGANISM}, backend: wasm}
seed: 0
batchSize: 9
tasks:
  ioi: {source: ioi, n: 24, seed: 1, templates: mixed, corruption: s2_io_flip}
interventions:
  mean_inhib: {type: ablate, method: mean, heads: "{1.0, 1.1, 1.2}"}
  resample_inhib: {type: ablate, method: resample, heads: "{1.0, 1.1}"}
  patch_end: {type: patch, heads: "layers 1 heads *", positions: [END]}
  to_io: {type: attention_override, heads: "{1.0, 1.1, 1.2}", query: END, keys: {IO: 1}}
  rnd_block: {type: attention_block, heads: "random(2, exclude={1.2}, samples=3)", query: END, keys: [S2]}
metrics:
  ld: {kind: logit_diff, task: ioi}
  ld_mean: {kind: logit_diff, task: ioi, with: mean_inhib}
  acc_resample: {kind: accuracy, task: ioi, with: resample_inhib}
  prob_to_io: {kind: answer_prob, task: ioi, with: to_io}
  ps: {kind: patching_score, task: ioi, with: patch_end}
  ld_ctrl: {kind: logit_diff, task: ioi, with: rnd_block}
  attn: {kind: attention, task: ioi, head: "1.2", from: END, to: S2}
  dla: {kind: dla, task: ioi}
  pp_k: {kind: path_patch, task: ioi, to: {heads: "{1.0, 1.1, 1.2}", input: k, positions: [S2]}}
  ind: {kind: head_scores, score: induction, n: 12, tokensFrom: ioi}
circuits:
  c:
    task: ioi
    stages:
      - {name: inhibition, role: s_inhibition, top: 3, sign: negative}
      - {name: s2_writers, role: s2_writer, receiver: {heads: inhibition, input: v, positions: [S2]}, top: 3, sign: negative}
expect:
  all:
    assert: ld > -100 and ld_mean > -100 and acc_resample >= 0 and prob_to_io >= 0 and ps > -100 and mean(ld_ctrl) > -100 and attn >= 0 and count(top(dla, 3)) == 3 and count(top(pp_k, 3)) == 3 and count(top(ind, 3)) == 3 and count(heads(c)) >= 1
`;

/** What a run computed, without timings. */
function computed(r: SpecResult): unknown {
  return { metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, m]) => [k, m.value])), circuits: r.circuits, claims: r.claims.map((c) => [c.name, c.verdict, c.message, c.checks]), error: r.error };
}

describe('worker threads', () => {
  it('shards are contiguous, cover every batch once, and merge back in order', () => {
    for (let n = 0; n < 12; n++) {
      for (let count = 1; count <= 5; count++) {
        const ranges = Array.from({ length: count }, (_, index) => shardRange(n, { index, count }));
        expect(ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i))).toEqual(Array.from({ length: n }, (_, i) => i));
      }
    }
    expect(mergeSeries([[[1, 2], [5]], [[], []], [[3], [6, 7]]])).toEqual([[1, 2, 3], [5, 6, 7]]);
  });

  it('every metric kind and a two-stage circuit: 2 workers give exactly the one-worker values', async () => {
    const one = await executePlan(compileText('test/runtime/workers/every-kind.spec.yaml', EVERY_KIND, { workers: 1 }));
    const two = await executePlan(compileText('test/runtime/workers/every-kind.spec.yaml', EVERY_KIND, { workers: 2 }));
    expect(one.claims[0].verdict).toBe('pass');
    expect(computed(two)).toEqual(computed(one));
    // Bit-identical, not merely close: the JSON text of every value is the same.
    expect(JSON.stringify(computed(two))).toBe(JSON.stringify(computed(one)));
  });

  it('an organism spec: 1 and 2 workers give identical results', async () => {
    const filter = '/> circuit$|write_io|needed/'; // the two-stage circuit, DLA, mean ablation
    const one = await runSpec('specs/organisms/ioi-s.spec.yaml', { workers: 1, batchSize: 30, backend: 'wasm', filter });
    const two = await runSpec('specs/organisms/ioi-s.spec.yaml', { workers: 2, batchSize: 30, backend: 'wasm', filter });
    expect(one.claims.filter((c) => c.verdict !== 'skip').length).toBe(3);
    expect(JSON.stringify(computed(two))).toBe(JSON.stringify(computed(one)));
  });

  it('errors inside workers read as with one worker; a missing model fails the load cleanly', async () => {
    const bad = EVERY_KIND.replace('{kind: attention, task: ioi, head: "1.2", from: END, to: S2}', '{kind: attention, task: ioi, head: "1.2", from: END, to: S1+1}')
      .replace(/^ {2}(ld_mean|acc_resample|prob_to_io|ps|dla|pp_k|ind):.*\n/gm, '').replace(/^circuits:[\s\S]*?expect:/m, 'expect:')
      .replace(/assert: .*/, 'assert: attn >= 0 and ld > -100');
    const [one, two] = [await executePlan(compileText('x.spec.yaml', bad, { workers: 1 })), await executePlan(compileText('x.spec.yaml', bad, { workers: 2 }))];
    expect(JSON.stringify(computed(two))).toBe(JSON.stringify(computed(one)));
    // A checkpoint that compiles (its config is fine) but does not load (its weights are cut short).
    const broken = mkdtempSync(join(tmpdir(), 'circuitspec-workers-'));
    for (const f of ['config.json', 'vocab.json', 'merges.txt']) copyFileSync(join(ORGANISM, f), join(broken, f));
    writeFileSync(join(broken, 'model.safetensors'), readFileSync(join(ORGANISM, 'model.safetensors')).subarray(0, 4096));
    const missing = EVERY_KIND.replace(ORGANISM, broken);
    const t0 = performance.now();
    const [m1, m2] = [await executePlan(compileText('x.spec.yaml', missing, { workers: 1 })), await executePlan(compileText('x.spec.yaml', missing, { workers: 2 }))];
    expect(m2.error).toBeDefined();
    expect(m2.error).toBe(m1.error);
    expect(m2.claims.map((c) => c.verdict)).toEqual(['error']);
    expect(performance.now() - t0).toBeLessThan(60_000);
  });

  it('a worker that dies fails its pending and later requests at once (no hang)', async () => {
    const pool = await WorkerPool.start(1, { source: ORGANISM, load: { backend: 'wasm', processing: 'none', seed: 0 } });
    const [w] = pool.workers;
    // An error inside the worker is an answer; the worker stays usable.
    await expect(w.request({ op: 'warm', task: 'ioi', side: 'clean' })).rejects.toThrow('the worker has no experiment context');
    await expect(w.request({ op: 'context', seed: 0, batchSize: 4, shard: { index: 1, count: 2 } })).resolves.toBeNull();
    await expect(w.request({ op: 'series', reqs: [{ kind: 'dla', task: 'nope' }] })).rejects.toThrow(CircuitspecError);
    const pending = w.request({ op: 'series', reqs: [{ kind: 'head_scores', score: 'induction', n: 2000 }] });
    await pool.terminate();
    await expect(pending).rejects.toThrow('worker 1 was stopped');
    await expect(w.request({ op: 'warm', task: 'ioi', side: 'clean' })).rejects.toThrow('worker 1 was stopped');
  });

  it('Ctrl-C (SIGINT) mid-run ends the process and its worker threads at once, as with one worker', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', 'specs/organisms/ioi-s.spec.yaml', '--workers', '2', '--reporter', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
    await new Promise((r) => setTimeout(r, 9_000)); // the workers are up (the whole run takes ~30 s)
    const t0 = performance.now();
    child.kill('SIGINT');
    const { code, signal } = await exited;
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(signal ?? code).toBe('SIGINT');
    expect(out).toBe(''); // interrupted before the end
    if (process.platform === 'linux') expect(existsSync(`/proc/${child.pid}`)).toBe(false);
  });

  it('the default: one worker per core, fewer when memory or the batches run out; asked-for counts are checked', () => {
    const shape = { nLayers: 24, nHeads: 16, dModel: 1024, dVocab: 50257, nCtx: 1024 };
    const task = { name: 't', source: { file: 'x' }, prependBos: false, baseDir: '.', roles: [], prompts: 200, positions: 20 };
    expect(chooseWorkers(undefined, shape, 16, [task], { cores: 2, freeBytes: 64e9 })).toMatchObject({ count: 2, reason: expect.stringMatching(/^default: one per core \(2\); each worker holds its own copy of the weights/) });
    expect(chooseWorkers(undefined, shape, 16, [task], { cores: 8, freeBytes: 10e9 }).count).toBe(2);
    expect(chooseWorkers(undefined, shape, 16, [{ ...task, prompts: 10 }], { cores: 8, freeBytes: 64e9 }).count).toBe(1);
    expect(chooseWorkers({ count: 3, from: 'asked for' }, shape, 16, [task], { cores: 2, freeBytes: 4e9 }).reason).toMatch(/may not hold 3/);
    expect(() => chooseWorkers({ count: 0, from: 'asked for' }, shape, 16, [task])).toThrow(/workers must be a whole number >= 1/);
  });
});
