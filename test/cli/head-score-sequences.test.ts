/** head_scores on given sequences, from the spec (a token-id task, a sequences file) to the value, against the API. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSpec } from '../../src/cli/runner.js';
import { compileFile } from '../../src/dsl/compile.js';
import { CircuitspecError } from '../../src/errors.js';
import { preflight } from '../../src/runtime/executor/preflight.js';
import { headScores } from '../../src/runtime/interventions/index.js';
import { loadModel, type HookedGPT2 } from '../../src/runtime/model/index.js';
import { TINY } from '../runtime/experiments/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'circuitspec-seqs-'));
const put = (name: string, body: string): string => (writeFileSync(join(dir, name), body), join(dir, name));
// Token-id task lines (the tiny fixture's vocabulary is 1000 tokens) and a sequences file of bare id lists.
const TASK = [[999, 5, 7, 9, 5, 7, 9], [999, 11, 12, 13, 14, 11, 12, 13, 14], [999, 4, 4, 8, 4, 8]];
const SEQS = [[3, 1, 4, 1, 5, 9, 2, 6, 3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 2, 7, 1, 8, 2, 8]];
put('ids.jsonl', TASK.map((t) => JSON.stringify({ tokens: t, answer: t[1], roles: { first: 1 } })).join('\n'));
put('seqs.jsonl', `// two sequences\n${SEQS.map((s) => JSON.stringify(s)).join('\n')}\n`);
const spec = (metrics: string, claim = 'score(ind_task, 1.2) >= 0'): string => put('s.spec.yaml', `name: seqs
model: {source: ${TINY}}
tasks:
  ids: {source: jsonl, path: ids.jsonl}
metrics:
${metrics}
expect:
  a: {assert: "${claim}"}
`);
const errorOf = async (f: () => unknown): Promise<string> => {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(CircuitspecError);
    return (e as CircuitspecError).format();
  }
  throw new Error('no error');
};

let model: HookedGPT2;
beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
});
afterAll(() => model.dispose());

describe('head_scores(…, sequences=…)', () => {
  it("scores a task's token ids and a file's sequences as given, equal to the API on the same ids", async () => {
    const file = spec(`  ind_task: {kind: head_scores, score: induction, sequences: ids}
  prev_file: {kind: head_scores, score: previous_token, sequences: seqs.jsonl}
  dup_file: {kind: head_scores, score: duplicate_token, sequences: seqs.jsonl, n: 1}`, 'score(ind_task, 1.2) >= 0 and score(prev_file, 0.1) >= 0 and score(head_scores(induction, sequences=\\"seqs.jsonl\\"), 0.0) >= 0 and score(dup_file, 0.0) >= 0');
    const r = await runSpec(file, { backend: 'wasm' });
    expect(r.error).toBeUndefined();
    const want = async (score: 'induction' | 'previous_token' | 'duplicate_token', sequences: number[][]) => headScores(model, score, { sequences });
    expect(r.metrics.ind_task.value).toEqual(await want('induction', TASK));
    expect(r.metrics.prev_file.value).toEqual(await want('previous_token', SEQS));
    expect(r.metrics.dup_file.value).toEqual(await want('duplicate_token', SEQS.slice(0, 1)));
    const inline = Object.values(r.metrics).find((m) => m.name.includes('sequences='))!;
    expect(inline.value).toEqual(await want('induction', SEQS));
    expect(inline.request).toMatchObject({ sequencesFile: join(dir, 'seqs.jsonl'), n: 2 });
    // --limit: the task's first prompts are its sequences.
    const limited = await runSpec(spec('  ind_task: {kind: head_scores, score: induction, sequences: ids}'), { backend: 'wasm', limit: 2 });
    expect(limited.metrics.ind_task.request).toMatchObject({ sequencesFrom: 'ids', n: 2 });
    expect(limited.metrics.ind_task.value).toEqual(await want('induction', TASK.slice(0, 2)));
  });

  it('locates misuse: neither task nor file, random-only options, n beyond the sequences, a bad id in the file', async () => {
    expect(await errorOf(() => compileFile(spec('  m: {kind: head_scores, score: induction, sequences: idz}', 'score(m, 1.2) >= 0')))).toMatch(/s\.spec\.yaml:6:\d+: metrics\.m\.sequences: sequences 'idz' is neither a task — did you mean 'ids'\? \(tasks: ids\) nor a file/);
    expect(await errorOf(() => compileFile(spec('  m: {kind: head_scores, score: induction, sequences: ids, seqLen: 4}', 'score(m, 1.2) >= 0')))).toMatch(/metrics\.m\.sequences: given sequences are scored as they are: seqLen, seed and tokensFrom/);
    expect(await errorOf(() => compileFile(spec('  m: {kind: head_scores, score: induction, sequences: seqs.jsonl, n: 3}', 'score(m, 1.2) >= 0')))).toMatch(/metrics\.m: n 3 is more than the 2 sequences of 'seqs\.jsonl'/);
    expect(await errorOf(() => compileFile(spec('  m: {kind: head_scores, score: induction}', 'score(head_scores(induction, sequences=nope), 1.2) >= 0')))).toMatch(/expect\.a\.assert: sequences 'nope' is neither a task/);
    put('bad.jsonl', '[1, 2, 1, 2]\n{"tokens": [1, 2, 1000]}\n');
    const plan = compileFile(spec('  m: {kind: head_scores, score: induction, sequences: bad.jsonl}', 'score(m, 1.2) >= 0'));
    expect(await errorOf(() => preflight(plan))).toMatch(/bad\.jsonl:2: tokens\[2\]: metric 'm': token 2 has id 1000, outside the model's vocabulary 0\.\.999/);
    put('text.jsonl', '{"prompt": "Hello", "answer": " x"}\n');
    const textPlan = compileFile(spec('  m: {kind: head_scores, score: induction, sequences: text.jsonl}', 'score(m, 1.2) >= 0'));
    expect(await errorOf(() => preflight(textPlan))).toMatch(/text\.jsonl:1: prompt: metric 'm': a sequences file gives token ids/);
  });
});
