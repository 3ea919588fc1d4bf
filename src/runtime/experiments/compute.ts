/**
 * computeMetric: one MetricRequest → one MetricValue, reusing the context's shared clean/corrupted runs.
 *
 * Every metric is computed in two halves: `computeSeries` walks the context's batches (all of them, or one
 * worker's shard) and returns per-prompt values as a few series; `finishMetric` reduces them. Series of
 * consecutive shards concatenate (mergeSeries) into exactly the one-worker series, and the reduction then runs
 * in the one-worker order, so any number of workers gives bit-identical values.
 */
import { CircuitspecError } from '../../errors.js';
import { headScoreValues } from '../interventions/head-scores.js';
import { normalisedTable } from '../interventions/path-patching/common.js';
import { pathPatchFast } from '../interventions/path-patching/fast.js';
import { runBatchIntervened } from '../interventions/run.js';
import { isCorrect } from '../metrics/accuracy.js';
import { answerProb } from '../metrics/answer-prob.js';
import { attentionValues } from '../metrics/attention.js';
import { dlaPerPrompt, dlaTable } from '../metrics/dla.js';
import { logitDiff } from '../metrics/logit-diff.js';
import { patchingScore } from '../metrics/patching-score.js';
import { probDiff } from '../metrics/prob-diff.js';
import { headTable, mean, scalar } from '../metrics/scalar.js';
import { distribution } from '../metrics/distribution.js';
import { requireCorrupted } from './batches.js';
import { batchesOf, countPositions, progress, sharedRun, taskOf } from './context.js';
import type { LogitSummary } from './logits.js';
import { loadSequenceFile } from '../tasks/sequences.js';
import type { PromptSet } from '../tasks/types.js';
import type { Control, ExperimentContext, Intervention, MetricRequest, MetricValue, RunSide } from './types.js';

/** A metric's per-prompt values before reduction: a few series, each in prompt (or sequence) order. */
export type Series = number[][];

const PER_PROMPT = new Set(['logit_diff', 'accuracy', 'answer_prob', 'prob_diff', 'patching_score']);

export async function computeMetric(ctx: ExperimentContext, req: MetricRequest): Promise<MetricValue> {
  return (await computeMetrics(ctx, [req]))[0];
}

/** Several requests, results in request order. */
export async function computeMetrics(ctx: ExperimentContext, reqs: MetricRequest[]): Promise<MetricValue[]> {
  const series = await computeSeries(ctx, reqs);
  return reqs.map((r, i) => finishMetric(r, series[i], ctx.model.config.nHeads));
}

/**
 * Per request, its series over the context's batches. Per-prompt metrics of one task (logit_diff, accuracy,
 * answer_prob, patching_score) are computed batch by batch together, so each batch's clean run and its cached
 * keys/values serve every intervention on it (an intervention at END then costs one position, not a whole
 * forward pass, even when the caches of all batches would not fit the budget at once).
 */
export async function computeSeries(ctx: ExperimentContext, reqs: MetricRequest[]): Promise<Series[]> {
  const out: Series[] = new Array(reqs.length);
  const grouped = new Map<string, number[]>();
  reqs.forEach((r, i) => {
    if (PER_PROMPT.has(r.kind) && 'task' in r) grouped.set(r.task, [...(grouped.get(r.task) ?? []), i]);
  });
  for (const [task, idx] of grouped) {
    const set = taskOf(ctx, task);
    // Per request, its runs: one with its interventions, or one per random-control sample (all on the same shared run).
    const variants = idx.map((i) => variantsOf(reqs[i]));
    const sums = variants.map((vs) => vs.map(() => [] as LogitSummary[]));
    const onCorrupted = (r: MetricRequest) => (r as { run?: string }).run === 'corrupted';
    const needCorrupted = idx.some((i) => reqs[i].kind === 'patching_score' || onCorrupted(reqs[i]));
    if (needCorrupted) requireCorrupted(set, idx.some((i) => reqs[i].kind === 'patching_score') ? 'patching_score' : 'run=corrupted');
    const clean: LogitSummary[] = [];
    const corrupted: LogitSummary[] = [];
    const batches = batchesOf(ctx, task);
    for (const b of batches) {
      clean.push(...(await sharedRun(ctx, task, b, 'clean')).summary);
      if (needCorrupted) corrupted.push(...(await sharedRun(ctx, task, b, 'corrupted')).summary);
      // Requests with the same interventions on the same run (accuracy and logit_diff under one repair) share a rerun.
      const reruns = new Map<string, LogitSummary[]>();
      for (const [k, i] of idx.entries()) {
        const run = (reqs[i] as { run?: RunSide }).run;
        for (const [v, ivs] of variants[k].entries()) {
          if (!ivs.length) continue;
          const key = JSON.stringify([ivs, run ?? null]);
          if (!reruns.has(key)) reruns.set(key, await runBatchIntervened(ctx, task, b, ivs, `metric ${i} with`, run));
          sums[k][v].push(...reruns.get(key)!);
        }
      }
      progress(ctx, `${task}: metrics`, b.index + 1, batches.length);
    }
    for (const [k, i] of idx.entries()) {
      const r = reqs[i];
      // Unedited: the shared run of its side (no extra forward for a corrupted-side metric).
      const runs = variants[k].map((ivs, v) => (ivs.length ? sums[k][v] : onCorrupted(r) ? corrupted : clean));
      const ld = (xs: LogitSummary[]) => xs.map((x) => logitDiff(x));
      if (r.kind === 'logit_diff') out[i] = runs.map((s) => s.map((x) => logitDiff(x, r.versus)));
      else if (r.kind === 'accuracy') out[i] = runs.map((s) => s.map((x) => isCorrect(x, r.over)));
      else if (r.kind === 'answer_prob') out[i] = runs.map((s) => s.map(answerProb));
      else if (r.kind === 'prob_diff') out[i] = runs.map((s) => s.map(probDiff));
      else if (r.kind === 'patching_score') out[i] = [...runs.map(ld), ld(clean), ld(corrupted)];
    }
  }
  for (const [i, r] of reqs.entries()) if (!out[i]) out[i] = await otherSeries(ctx, r);
  return out;
}

/** A request's intervention lists: its `with`, or `with` plus each control sample's interventions. */
function variantsOf(r: MetricRequest): Intervention[][] {
  const w = (r as { with?: Intervention[] }).with ?? [];
  const control = (r as { control?: Control }).control;
  return control ? control.samples.map((s) => [...w, ...s]) : [w];
}

async function otherSeries(ctx: ExperimentContext, req: MetricRequest): Promise<Series> {
  switch (req.kind) {
    case 'attention':
      return [await attentionValues(ctx, req.task, [req.head, ...(req.alsoHeads ?? [])], req.from, [req.to, ...(req.alsoTo ?? [])], { with: req.with, run: req.run })];
    case 'dla':
      return dlaPerPrompt(ctx, req.task, { with: req.with, run: req.run });
    case 'path_patch': {
      const r = await pathPatchFast(ctx, req.task, {
        receivers: req.receivers, freezeMlps: req.freezeMlps,
        senderPositions: req.allSenderPositions ? undefined : req.senderPositions ?? (req.receivers === 'logits' ? ['END'] : undefined),
        sendersBelowReceivers: req.sendersBelowReceivers, excludeReceivers: req.excludeReceivers,
      });
      // Per-prompt series: the batch each prompt is in (for per-batch normalisation), clean and corrupted logit
      // differences, then every sender's patched one (NaN for senders the rules leave out).
      const batchOf = batchesOf(ctx, req.task).flatMap((b) => b.prompts.map(() => b.index));
      const unscored = r.clean.map(() => NaN);
      return [batchOf, r.clean, r.corrupted, ...r.patched.flat().map((per) => (per.length ? per : unscored))];
    }
    case 'head_scores':
      return headScoreValues(ctx.model, req.score, {
        seqLen: req.seqLen, n: req.n, seed: req.seed ?? ctx.seed, batchSize: ctx.batchSize, shard: ctx.shard, onPositions: (n) => countPositions(ctx, n),
        pool: req.tokensFrom === undefined ? undefined : taskTokens(taskOf(ctx, req.tokensFrom)),
        ...givenSequences(ctx, req),
      });
    default:
      throw new CircuitspecError(`unknown metric kind '${String((req as { kind: unknown }).kind)}'`, { field: 'kind' });
  }
}

/** Series of consecutive shards, in shard order → the series of all of them. */
export function mergeSeries(parts: Series[]): Series {
  const nonEmpty = parts.filter((p) => p.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  return nonEmpty[0].map((_, j) => nonEmpty.flatMap((p) => p[j]));
}

/** A request's series → its value (means in prompt order; the same code for one worker or several). */
export function finishMetric(req: MetricRequest, series: Series, nHeads: number): MetricValue {
  const control = (req as { control?: Control }).control;
  if (control) {
    // One series per sample (patching_score: then the clean and corrupted logit differences).
    const K = control.samples.length;
    const values = req.kind === 'patching_score'
      ? series.slice(0, K).map((p) => patchingScore(mean(p), mean(series[K]), mean(series[K + 1])))
      : series.slice(0, K).map(mean);
    return distribution(values, control);
  }
  switch (req.kind) {
    case 'logit_diff':
    case 'accuracy':
    case 'answer_prob':
    case 'prob_diff':
    case 'attention':
      return scalar(series[0]);
    case 'patching_score': {
      const [patched, clean, corrupted] = series.map(mean);
      return { type: 'scalar', value: patchingScore(patched, clean, corrupted) };
    }
    case 'dla':
      return dlaTable(series, nHeads);
    case 'path_patch': {
      const [batchOf, clean, corrupted, ...flat] = series;
      const batchSizes: number[] = [];
      batchOf.forEach((b, i) => (i > 0 && b === batchOf[i - 1] ? batchSizes[batchSizes.length - 1]++ : batchSizes.push(1)));
      const patched: number[][][] = [];
      const scored = (per: number[]): number[] => (per.every(Number.isNaN) ? [] : per);
      for (let i = 0; i < flat.length; i += nHeads) patched.push(flat.slice(i, i + nHeads).map(scored));
      return normalisedTable({ clean, corrupted, patched, batchSizes }, req.normalization);
    }
    case 'head_scores': {
      const table: number[][] = [];
      for (let i = 0; i < series.length; i += nHeads) table.push(series.slice(i, i + nHeads).map(mean));
      return headTable(table);
    }
    default:
      throw new CircuitspecError(`unknown metric kind '${String((req as { kind: unknown }).kind)}'`, { field: 'kind' });
  }
}

/** head_scores' given sequences (and how many), if any; `--limit` may leave a task fewer prompts than the plan's n. */
function givenSequences(ctx: ExperimentContext, req: Extract<MetricRequest, { kind: 'head_scores' }>): { sequences?: number[][]; n?: number } {
  const seqs = req.sequencesFrom !== undefined ? taskOf(ctx, req.sequencesFrom).prompts.map((p) => p.tokens)
    : req.sequencesFile !== undefined ? loadSequenceFile(req.sequencesFile, ctx.model.config).map((s) => s.tokens) : undefined;
  if (!seqs) return {};
  return { sequences: seqs, ...(req.n !== undefined && { n: Math.min(req.n, seqs.length) }) };
}

/** The distinct token ids of a task's prompts, ascending (a deterministic pool for random sequences). */
function taskTokens(set: PromptSet): number[] {
  return [...new Set(set.prompts.flatMap((p) => p.tokens))].sort((a, b) => a - b);
}
