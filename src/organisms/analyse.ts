/**
 * Analyse an organism with circuitspec's own experiments (what specs/organisms/ then asserts):
 * `tsx src/organisms/analyse.ts fixtures/organisms/ioi-s [--cobj] [--n 100]`. Prints tables of per-head scores
 * (path patching to logits, END attention, duplicate-token/induction/previous-token scores, direct logit
 * attribution) and the headline metrics, as plain text and as JSON on the last line.
 */
import { loadModel } from '../runtime/model/index.js';
import { buildTask } from '../runtime/tasks/index.js';
import { computeMetric, createContext, disposeContext, headName, type Head, type MetricRequest, type MetricValue } from '../runtime/experiments/index.js';
import type { PromptSet } from '../runtime/tasks/types.js';

type Table = number[][];

function table(v: MetricValue): Table {
  if (v.type !== 'heads') throw new Error('expected a head table');
  return v.values;
}

function scalarOf(v: MetricValue): number {
  if (v.type !== 'scalar') throw new Error('expected a scalar');
  return v.value;
}

function show(name: string, t: Table): string {
  const rows = t.map((r, l) => `  L${l}: ${r.map((x) => x.toFixed(3).padStart(7)).join(' ')}`);
  return `${name}\n${rows.join('\n')}`;
}

function topHeads(t: Table, k: number, sign: 1 | -1 = 1): { head: string; score: number }[] {
  const all = t.flatMap((r, l) => r.map((x, h) => ({ head: `${l}.${h}`, score: x })));
  return all.sort((a, b) => sign * (b.score - a.score)).slice(0, k);
}

async function main(argv: string[]): Promise<void> {
  const folder = argv[0];
  const withCobj = argv.includes('--cobj');
  const nIdx = argv.indexOf('--n');
  const n = nIdx >= 0 ? Number(argv[nIdx + 1]) : 100;
  const model = await loadModel(folder, { backend: 'wasm' });
  const tok = model.tokenizer;
  const tasks: PromptSet[] = [
    buildTask('ioi', { generator: 'ioi', n, seed: 1, templates: 'mixed', corruption: 's2_io_flip' }, tok),
    buildTask('ioi_abc', { generator: 'ioi', n, seed: 1, templates: 'mixed', corruption: 'abc' }, tok),
  ];
  if (withCobj) tasks.push(buildTask('cobj', { generator: 'colored-objects', n, seed: 1, corruption: 'question_object' }, tok));
  const ctx = createContext(model, tasks, { seed: 0, batchSize: 50 });
  const out: Record<string, unknown> = {};
  const m = async (req: MetricRequest): Promise<MetricValue> => computeMetric(ctx, req);
  const { nLayers, nHeads } = model.config;
  const everyHead: Head[] = [];
  for (let l = 0; l < nLayers; l++) for (let h = 0; h < nHeads; h++) everyHead.push({ layer: l, head: h });

  for (const task of tasks.map((t) => t.name)) {
    const isIoi = task.startsWith('ioi');
    out[`${task}.accuracy`] = scalarOf(await m({ kind: 'accuracy', task }));
    out[`${task}.logit_diff`] = scalarOf(await m({ kind: 'logit_diff', task }));
    if (!isIoi) out[`${task}.accuracy_candidates`] = scalarOf(await m({ kind: 'accuracy', task, over: 'candidates' }));
    const pp = table(await m({ kind: 'path_patch', task, receivers: 'logits' }));
    console.log(show(`${task}: path patching → logits (senders at END)`, pp));
    out[`${task}.pp_logits`] = pp;
    const dla = table(await m({ kind: 'dla', task }));
    console.log(show(`${task}: direct logit attribution`, dla));
    out[`${task}.dla`] = dla;
    const roles = isIoi ? [['END', 'IO'], ['END', 'S2'], ['END', 'S1'], ['S2', 'S1'], ['S2', 'S1+1']] : [['END', 'question_object'], ['END', 'correct_colour'], ['END', 'wrong_colour1'], ['END', 'correct_object'], ['END', 'wrong_object1'], ['question_object', 'correct_object'], ['question_object', 'wrong_object1'], ['question_object', 'question_object']];
    for (const [from, to] of roles) {
      const t: Table = [];
      for (const h of everyHead) {
        (t[h.layer] ??= [])[h.head] = scalarOf(await m({ kind: 'attention', task, head: h, from, to }));
      }
      console.log(show(`${task}: attention ${from} → ${to}`, t));
      out[`${task}.attn_${from}_${to}`] = t;
    }
    const nm = topHeads(pp, 3, -1);
    console.log(`${task}: strongest (most negative) path-patching heads to logits: ${JSON.stringify(nm)}`);
    console.log(`${task}: most positive: ${JSON.stringify(topHeads(pp, 3, 1))}`);
  }
  for (const score of ['duplicate_token', 'induction', 'previous_token'] as const) {
    // Random tokens drawn from the IOI prompts: the organisms only trained those embedding rows.
    const t = table(await m({ kind: 'head_scores', score, tokensFrom: 'ioi' }));
    console.log(show(`head score ${score}`, t));
    out[`head_${score}`] = t;
  }
  console.log(JSON.stringify({ folder, headNames: everyHead.map(headName), ...out }));
  disposeContext(ctx);
  model.dispose();
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
