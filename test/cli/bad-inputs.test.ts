// Bad inputs, each caught before compute with exit 2 and one located line (or a warning naming the prompt or
// token). The cases also generate the README's bad-input table: this test fails when the table is out of date;
// `npm run readme:bad-inputs` rewrites it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/report/index.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../../src/runtime/io/safetensors.js';

const root = join(import.meta.dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'circuitspec-bad-'));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

const spec = (body: string) => `name: bad\nmodel: {source: random:tiny}\n${body}`;
const jsonlSpec = (metric = 'ld: {kind: logit_diff, task: t}') =>
  spec(`tasks:\n  t: {source: jsonl, path: data.jsonl}\nmetrics:\n  ${metric}\nexpect:\n  a: {assert: "ld > -100"}\n`);
const IOI = 'tasks:\n  ioi: {source: ioi, n: 4, corruption: s2_io_flip}\n';
const line = (o: Record<string, unknown>) => JSON.stringify({ prompt: ' When Mary and John went to the store, John gave a drink to', answer: ' Mary', distractor: ' John', ...o });
const LINES = (...ls: string[]) => ls.join('\n') + '\n';

/** tiny-gpt2's tensors, to write altered checkpoints from. */
async function tinyTensors(): Promise<Record<string, WritableTensor>> {
  const st = await SafetensorsFile.open(join(root, 'fixtures/tiny-gpt2/model.safetensors'));
  const out: Record<string, WritableTensor> = {};
  for (const [name, t] of st.tensors) out[name] = { dtype: 'F32', shape: t.shape, data: st.readFloat32(name) };
  await st.close();
  return out;
}

/** A copy of tiny-gpt2 in `dir`, then `alter` applied; the spec runs the letters task on it. */
async function checkpoint(dir: string, alter: (folder: string, tensors: Record<string, WritableTensor>) => Promise<void> | void): Promise<void> {
  const folder = join(tmp, dir);
  mkdirSync(folder, { recursive: true });
  copyFileSync(join(root, 'fixtures/tiny-gpt2/config.json'), join(folder, 'config.json'));
  copyFileSync(join(root, 'fixtures/tiny-gpt2/model.safetensors'), join(folder, 'model.safetensors'));
  copyFileSync(join(root, 'test/cli/specs/letters.jsonl'), join(tmp, 'letters.jsonl'));
  await alter(folder, await tinyTensors());
  writeFileSync(join(tmp, `${dir}.spec.yaml`), `name: ${dir}\nmodel: {source: ./${dir}}\ntasks:\n  letters: {source: jsonl, path: letters.jsonl}\nexpect:\n  a: {assert: "accuracy(letters) >= 0"}\n`);
}

interface Case {
  input: string;
  /** Files to write into the temporary folder (name → text), or a setup function. */
  files?: Record<string, string>;
  setup?: () => Promise<void>;
  argv: string[];
  code: number;
  /** The first line of stderr (temporary folder removed) must match. */
  message: RegExp;
}

const CASES: Case[] = [
  // Task files (JSONL): every problem with its file and line.
  { input: 'JSONL: a malformed line', files: { 'data.jsonl': LINES(line({}), '{"prompt": "x",'), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:2: task 't': not valid JSON/ },
  { input: 'JSONL: a line without its answer', files: { 'data.jsonl': LINES(line({ answer: undefined })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: answer: task 't': "answer" must be a non-empty string$/ },
  { input: 'JSONL: an answer of several tokens', files: { 'data.jsonl': LINES(line({ answer: ' Maryanne-Louise' })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: answer: task 't': .*single token/ },
  { input: 'JSONL: a corrupted prompt of another length', files: { 'data.jsonl': LINES(line({ corrupted: 'When Mary and John went to the big store, Mary gave a drink to' })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: corrupted: task 't': the corrupted prompt has \d+ tokens but the prompt has \d+/ },
  { input: 'JSONL: a role word not in the prompt', files: { 'data.jsonl': LINES(line({ roles: { IO: 'Alice' } })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: roles\.IO: task 't': role IO: the word "Alice" does not occur in the prompt$/ },
  { input: 'JSONL: a role a metric reads, absent on a line', files: { 'data.jsonl': LINES(line({ roles: { IO: 'Mary' } }), line({})), 'a.spec.yaml': jsonlSpec('ld: {kind: attention, task: t, head: "1.0", from: END, to: IO}') }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:2: roles\.IO: task 't', prompt t#1 \(line 2\) has no role IO, which metric 'ld' reads on every prompt$/ },
  { input: 'JSONL: a role index out of range', files: { 'data.jsonl': LINES(line({ roles: { X: 99 } })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: roles\.X: task 't': role X: token index 99 is outside the prompt's \d+ tokens$/ },
  { input: 'JSONL: an empty file', files: { 'data.jsonl': '', 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl: task 't': the task file has no prompts$/ },
  { input: 'JSONL: a prompt longer than the context', files: { 'data.jsonl': LINES(line({ prompt: ' and'.repeat(80) + ' Mary' })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: tasks\.t: task 't', prompt t#0 \(line 1\): the prompt has 81 tokens, more than the model's context of 64$/ },
  { input: 'JSONL: logit_diff on lines without distractors', files: { 'data.jsonl': LINES(line({ distractor: undefined })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: distractors: task 't', prompt t#0 \(line 1\) has no distractor, but metric 'ld' \(logit_diff against the distractor\) needs one/ },
  { input: 'JSONL: a token id outside the vocabulary', files: { 'data.jsonl': LINES(JSON.stringify({ tokens: [464, 60000], answer: 1, distractor: 2 })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^data\.jsonl:1: tokens\[1\]: task 't': token id 60000 is outside the tokenizer's vocabulary of 50257$/ },
  // Generated and packaged tasks: data ranges.
  { input: 'IOI: templateIds out of range', files: { 'a.spec.yaml': spec('tasks:\n  ioi: {source: ioi, n: 4, templateIds: [99]}\nexpect:\n  a: {assert: "accuracy(ioi) >= 0"}\n') }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:4:3: tasks\.ioi\.templateIds: IOI task 'ioi': templateIds entry 99 is out of range 0\.\.\d+/ },
  { input: 'colored-objects-paper: n beyond the 1000 prompts', files: { 'a.spec.yaml': spec('tasks:\n  co: {source: colored-objects-paper, n: 500, offset: 900}\nexpect:\n  a: {assert: "accuracy(co) >= 0"}\n') }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:4:42: tasks\.co\.n: n 500 from offset 900 runs past the paper's 1000 prompts \(at most 100\)$/ },
  { input: 'head_scores: seqLen beyond the context', files: { 'a.spec.yaml': spec('metrics:\n  ind: {kind: head_scores, score: induction, seqLen: 50}\nexpect:\n  a: {assert: "score(ind, 1.0) > 0"}\n') }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:4:3: metrics\.ind: seqLen 50 is outside 2\.\.32: a repeated sequence is 2·seqLen tokens and random:tiny's context is 64$/ },
  { input: 'head_scores: sequences that are neither a task nor a file', files: { 'a.spec.yaml': spec('metrics:\n  ind: {kind: head_scores, score: induction, sequences: seqs.jsonl}\nexpect:\n  a: {assert: "score(ind, 1.0) > 0"}\n') }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:4:\d+: metrics\.ind\.sequences: sequences 'seqs\.jsonl' is neither a task \(tasks: none\) nor a file \(.*seqs\.jsonl does not exist\)$/ },
  { input: 'path_patch: senders: all into z receivers', files: { 'a.spec.yaml': spec(`${IOI}metrics:\n  pp: {kind: path_patch, task: ioi, to: {heads: "1.0", input: z, positions: [S2]}, senders: all}\nexpect:\n  a: {assert: "count(top(pp, 1)) == 1"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:6:\d+: metrics\.pp\.senders: z receivers take senders at the receiver positions only: senders: all is not computed for them$/ },
  { input: 'n: 1000000000', files: { 'a.spec.yaml': spec('tasks:\n  ioi: {source: ioi, n: 1000000000}\nexpect:\n  a: {assert: "accuracy(ioi) >= 0"}\n') }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:4:25: tasks\.ioi\.n: the prompts need ~\d.* GB of memory \(task 'ioi' alone has 1000000000 prompts\), more than Node's heap limit of .* GB: lower n$/ },
  { input: 'a plan that would run for months', files: { 'a.spec.yaml': 'name: bad\nmodel: {source: random:gpt2-xl}\ntasks:\n  ioi: {source: ioi, n: 100000, corruption: s2_io_flip}\nmetrics:\n  pp: {kind: path_patch, task: ioi}\nexpect:\n  a: {assert: "count(top(pp, 3)) == 3"}\n' }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:4:25: tasks\.ioi\.n: the plan would run for ~\d+ days \(~\d+ hours of forward passes at ~15 GFLOP\/s\) \(task 'ioi' alone has 100000 prompts\), above the 30-day limit: lower n$/ },
  // Checkpoints: header, names, shapes, dtypes and config, without reading the weights.
  { input: 'checkpoint: truncated model.safetensors', setup: () => checkpoint('truncated', (f) => writeFileSync(join(f, 'model.safetensors'), readFileSync(join(f, 'model.safetensors')).subarray(0, 100_000))), argv: ['validate', 'truncated.spec.yaml'], code: 2, message: /^truncated\/model\.safetensors: [^:]+: tensor '[^']+': data_offsets \[\d+, \d+\] run past the end of the data section/ },
  { input: 'checkpoint: garbage model.safetensors', setup: () => checkpoint('garbage', (f) => writeFileSync(join(f, 'model.safetensors'), Buffer.from('this is not a checkpoint at all'))), argv: ['validate', 'garbage.spec.yaml'], code: 2, message: /^garbage\/model\.safetensors: header length \d+ runs past the end of the file/ },
  { input: 'checkpoint: a missing tensor', setup: () => checkpoint('missing', async (f, t) => { delete t['h.1.mlp.c_fc.weight']; await writeSafetensors(join(f, 'model.safetensors'), t); }), argv: ['validate', 'missing.spec.yaml'], code: 2, message: /^missing\/model\.safetensors: h\.1\.mlp\.c_fc\.weight: tensor 'h\.1\.mlp\.c_fc\.weight' is missing \(the config implies shape \[32, 128\]\)$/ },
  { input: 'checkpoint: a tensor of the wrong shape', setup: () => checkpoint('shape', async (f, t) => { t['h.0.ln_1.weight'] = { dtype: 'F32', shape: [16], data: new Float32Array(16) }; await writeSafetensors(join(f, 'model.safetensors'), t); }), argv: ['validate', 'shape.spec.yaml'], code: 2, message: /^shape\/model\.safetensors: h\.0\.ln_1\.weight: tensor 'h\.0\.ln_1\.weight' has shape \[16\] but the config implies \[32\]$/ },
  { input: 'checkpoint: config.json disagrees with the weights', setup: () => checkpoint('config', (f) => writeFileSync(join(f, 'config.json'), readFileSync(join(f, 'config.json'), 'utf8').replace('"n_layer": 2', '"n_layer": 3'))), argv: ['validate', 'config.spec.yaml'], code: 2, message: /^config\/model\.safetensors: h\.2\.ln_1\.weight: tensor 'h\.2\.ln_1\.weight' is missing/ },
  { input: 'checkpoint: NaN weights', setup: () => checkpoint('nan', async (f, t) => { t['h.0.attn.c_attn.weight'].data[5] = NaN; await writeSafetensors(join(f, 'model.safetensors'), t); }), argv: ['run', 'nan.spec.yaml'], code: 2, message: /^load model: nan\/model\.safetensors: h\.0\.attn\.c_attn\.weight: tensor 'h\.0\.attn\.c_attn\.weight' holds NaN at index 5: the checkpoint is corrupt/ },
  // Specs and expressions.
  { input: '200 nested parentheses in an assert', files: { 'a.spec.yaml': spec(`${IOI}expect:\n  a: {assert: "accuracy(ioi) >= ${'('.repeat(200)}1${')'.repeat(200)}"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:6:\d+: expect\.a\.assert: expression nested more than 32 levels deep$/ },
  { input: 'a YAML alias bomb', files: { 'a.spec.yaml': spec(`x0: &x0 [a, a, a, a, a, a, a, a, a]\n${Array.from({ length: 8 }, (_, i) => `x${i + 1}: &x${i + 1} [${Array(9).fill(`*x${i}`).join(', ')}]`).join('\n')}\nexpect:\n  a: {assert: "count({1.0}) == 1"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:\d+:\d+: the YAML expands to more than 100000 values \(aliases repeating aliases\?\)$/ },
  { input: 'expect: {}', files: { 'a.spec.yaml': spec(`${IOI}expect: {}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:5:1: expect: expect has no claims: a spec that checks nothing would pass vacuously$/ },
  { input: 'heads: "{}" (an intervention on no heads)', files: { 'a.spec.yaml': spec(`${IOI}interventions:\n  none: {type: ablate, method: zero, heads: "{}"}\nexpect:\n  a: {assert: "accuracy(ioi, with=none) >= 0"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:6:\d+: interventions\.none\.heads: selects no heads: the intervention would change nothing$/ },
  { input: 'top(pp, 1000) on a model of 8 heads', files: { 'a.spec.yaml': spec(`${IOI}metrics:\n  pp: {kind: dla, task: ioi}\nexpect:\n  a: {assert: "count(top(pp, 1000)) == 8"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:8:\d+: expect\.a\.assert: k is 1000 but random:tiny has 8 heads \(2 layers × 4\)$/ },
  { input: 'with= freezing a site that it also patches (mediation)', files: { 'a.spec.yaml': spec(`${IOI}interventions:\n  c: {type: patch, heads: "{0.0}", from: corrupted}\n  k: {type: patch, heads: "layers 0..1 heads *", from: clean}\nmetrics:\n  ld: {kind: logit_diff, task: ioi, with: [c, k]}\nexpect:\n  a: {assert: "ld > 0"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:9:44: metrics\.ld\.with\.0: 'k' freezes blocks\.0\.attn\.hook_z \(heads 0, 1, 2, 3\) to the clean run and 'c' patches it from the corrupted run: a site is either held or changed, not both$/ },
  { input: 'run: corrupted on a task without corruption', files: { 'a.spec.yaml': spec(`tasks:\n  ioi: {source: ioi, n: 4}\nmetrics:\n  ld: {kind: logit_diff, task: ioi, run: corrupted}\nexpect:\n  a: {assert: "ld < 0"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:6:3: metrics\.ld: metric 'ld' needs corrupted prompts but task 'ioi' has none: add 'corruption:' to the task$/ },
  { input: 'a random control compared as a number', files: { 'a.spec.yaml': spec(`${IOI}interventions:\n  rnd: {type: attention_block, heads: "random(2, samples=5)", query: END, keys: [S2]}\nmetrics:\n  ctrl: {kind: accuracy, task: ioi, with: rnd}\nexpect:\n  a: {assert: "ctrl > 0.5"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:\d+:\d+: expect\.a\.assert: cannot compare a random control \(a distribution over samples\) with a number \(read a random control with mean\(…\) or sd\(…\), or compare a value to it with beats\(value, control, k\) or below\(value, control, k\)\)$/ },
  { input: 'random(3, …) from 2 heads', files: { 'a.spec.yaml': spec(`${IOI}interventions:\n  rnd: {type: attention_block, heads: "random(3, from={0.0, 0.1}, samples=5)", query: END, keys: [S2]}\nexpect:\n  a: {assert: "mean(accuracy(ioi, with=rnd)) >= 0"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:6:\d+: interventions\.rnd\.heads: random\(\): 2 heads remain to draw from \(after exclude\), fewer than k = 3$/ },
  { input: 'seed: 2^53 + 1 in a spec', files: { 'a.spec.yaml': spec(`seed: 9007199254740993\n${IOI}expect:\n  a: {assert: "accuracy(ioi) >= 0"}\n`) }, argv: ['validate', 'a.spec.yaml'], code: 2, message: /^a\.spec\.yaml:3:7: seed: must be at most 2\^53 − 1 = 9007199254740991: larger integers lose precision/ },
  // The command line.
  { input: '--seed 9007199254740993', files: { 'ok.spec.yaml': spec(`${IOI}expect:\n  a: {assert: "accuracy(ioi) >= 0"}\n`) }, argv: ['run', 'ok.spec.yaml', '--seed', '9007199254740993'], code: 2, message: /^--seed must be at most 2\^53 − 1 = 9007199254740991 \(got 9007199254740993: larger numbers lose precision\)$/ },
  { input: "--filter '/(/'", argv: ['run', 'ok.spec.yaml', '--filter', '/(/'], code: 2, message: /^--filter \/\(\/ is not a valid regular expression: \/\(\/: Unterminated group$/ },
  { input: '--filter matching no claim', argv: ['run', 'ok.spec.yaml', '--filter', 'nothing-like-this'], code: 2, message: /^--filter nothing-like-this matched no claim in 1 spec\(s\)/ },
  { input: '--tag matching no claim', argv: ['run', 'ok.spec.yaml', '--tag', 'nope'], code: 2, message: /^--tag nope matched no claim in 1 spec\(s\)/ },
  { input: '--out into a missing folder (checked before the run)', argv: ['run', 'ok.spec.yaml', '--out', 'no/such/dir/r.json'], code: 2, message: /^--out no\/such\/dir\/r\.json: the folder no\/such\/dir does not exist$/ },
  { input: 'validate on a folder without specs', setup: async () => void mkdirSync(join(tmp, 'empty'), { recursive: true }), argv: ['validate', 'empty'], code: 2, message: /^no \*\.spec\.yaml files in empty$/ },
  // Inputs that run, with a warning naming the prompt or token.
  { input: 'JSONL: an answer without its leading space (warning)', files: { 'data.jsonl': LINES(line({ answer: 'Mary' })), 'a.spec.yaml': jsonlSpec() }, argv: ['validate', 'a.spec.yaml'], code: 0, message: /^warning: a\.spec\.yaml: task 't': 1 of 1 answers have no leading space \(first: prompt t#0 \(line 1\), "Mary"\); after a word the model predicts " Mary"/ },
  { input: 'JSONL: a token the model never trained on (warning)', files: { 'data.jsonl': LINES(line({}), line({ prompt: ' When Paris and John went to the store, John gave a drink to', answer: ' Paris' })), 'organism.spec.yaml': `name: organism\nmodel: {source: ${join(root, 'fixtures/organisms/ioi-s')}}\ntasks:\n  t: {source: jsonl, path: data.jsonl}\nexpect:\n  a: {assert: "accuracy(t) >= 0"}\n` }, argv: ['validate', 'organism.spec.yaml'], code: 0, message: /^warning: organism\.spec\.yaml: task 't': 1 answer\/distractor token\(s\) share their embedding with other tokens, so the model never trained on them and their logits are meaningless: " Paris" \(token 6342, prompt t#1 \(line 2\)\)$/ },
];

/**
 * The message as the table shows it: the first line of stderr, without the temporary folder, and without what
 * varies by machine (the heap limit) or Node version (JSON.parse's wording), so the table is the same everywhere.
 */
const shown = (err: string) => (err.split('\n')[0] ?? '').split(`${tmp}/`).join('')
  .replace(/heap limit of [\d.]+ GB/, 'heap limit of … GB')
  .replace(/not valid JSON: .*/, 'not valid JSON: (JSON.parse\'s message)');

/** Runs every case (in order: some share files), from the temporary folder's point of view. */
async function runCases(): Promise<{ c: Case; code: number; message: string; err: string }[]> {
  const out = [];
  for (const c of CASES) {
    for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(tmp, name), text);
    await c.setup?.();
    const argv = c.argv.map((a, i) => (i > 0 && /\.(ya?ml|json)$|^empty$/.test(a) && !a.includes('/') ? join(tmp, a) : a));
    const cwd = process.cwd();
    process.chdir(tmp); // relative --out paths and folder names as a user would type them
    try {
      const r = await cli(argv);
      out.push({ c, code: r.code, message: shown(r.err), err: r.err });
    } finally {
      process.chdir(cwd);
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/\|/g, '\\|');
export function table(rows: { c: Case; code: number; message: string }[]): string {
  return [
    '| bad input | command | exit | message |',
    '|---|---|---|---|',
    ...rows.map(({ c, code, message }) => `| ${escape(c.input)} | \`circuitspec ${escape(c.argv.join(' '))}\` | ${code} | ${escape(message)} |`),
  ].join('\n');
}

const START = '<!-- bad-inputs:start (generated by test/cli/bad-inputs.test.ts: npm run readme:bad-inputs) -->';
const END = '<!-- bad-inputs:end -->';

describe('bad inputs', () => {
  it('each is caught before compute: exit 2 and one located line, no stack trace; the README table is up to date', async () => {
    const rows = await runCases();
    const readmePath = join(root, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const start = readme.indexOf(START), end = readme.indexOf(END);
    expect(start, 'README.md lacks the bad-input table markers').toBeGreaterThan(0);
    const generated = `${START}\n${table(rows)}\n${END}`;
    if (process.env.UPDATE_README) writeFileSync(readmePath, readme.slice(0, start) + generated + readme.slice(end + END.length));
    for (const r of rows) {
      expect({ input: r.c.input, code: r.code }).toEqual({ input: r.c.input, code: r.c.code });
      expect(r.message, r.c.input).toMatch(r.c.message);
      expect(r.err, r.c.input).not.toMatch(/\n\s+at |internal error/);
    }
    if (!process.env.UPDATE_README) expect(readme.slice(start, end + END.length), 'the README bad-input table is out of date: npm run readme:bad-inputs').toBe(generated);
  });
});
