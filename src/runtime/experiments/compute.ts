/** computeMetric: one MetricRequest → one MetricValue, reusing the context's shared clean/corrupted runs. */
import { CircuitspecError } from '../../errors.js';
import { headScores } from '../interventions/head-scores.js';
import { normalisedTable } from '../interventions/path-patching/common.js';
import { pathPatchFast } from '../interventions/path-patching/fast.js';
import { runBatchIntervened, runIntervened } from '../interventions/run.js';
import { isCorrect } from '../metrics/accuracy.js';
import { answerProb } from '../metrics/answer-prob.js';
import { attentionMetric } from '../metrics/attention.js';
import { directLogitAttribution } from '../metrics/dla.js';
import { logitDiff } from '../metrics/logit-diff.js';
import { patchingScore } from '../metrics/patching-score.js';
import { mean, scalar } from '../metrics/scalar.js';
import { requireCorrupted } from './batches.js';
import { batchesOf, progress, sharedRun, sideSummaries, taskOf } from './context.js';
import type { LogitSummary } from './logits.js';
import type { PromptSet } from '../tasks/types.js';
import type { ExperimentContext, Intervention, MetricRequest, MetricValue } from './types.js';

async function summaries(ctx: ExperimentContext, task: string, ivs: Intervention[] | undefined): Promise<LogitSummary[]> {
  return ivs?.length ? runIntervened(ctx, task, ivs) : sideSummaries(ctx, task, 'clean');
}

export async function computeMetric(ctx: ExperimentContext, req: MetricRequest): Promise<MetricValue> {
  switch (req.kind) {
    case 'logit_diff':
      return scalar((await summaries(ctx, req.task, req.with)).map((s) => logitDiff(s, req.versus)));
    case 'accuracy':
      return scalar((await summaries(ctx, req.task, req.with)).map((s) => isCorrect(s, req.over)));
    case 'answer_prob':
      return scalar((await summaries(ctx, req.task, req.with)).map(answerProb));
    case 'attention':
      return attentionMetric(ctx, req.task, req.head, req.from, req.to);
    case 'dla':
      return directLogitAttribution(ctx, req.task);
    case 'patching_score': {
      requireCorrupted(taskOf(ctx, req.task), 'patching_score');
      const ld = (xs: LogitSummary[]): number => mean(xs.map((s) => logitDiff(s)));
      const clean = ld(await sideSummaries(ctx, req.task, 'clean'));
      const corrupted = ld(await sideSummaries(ctx, req.task, 'corrupted'));
      return { type: 'scalar', value: patchingScore(ld(await runIntervened(ctx, req.task, req.with)), clean, corrupted) };
    }
    case 'path_patch':
      return normalisedTable(await pathPatchFast(ctx, req.task, {
        receivers: req.receivers, senderPositions: req.senderPositions ?? (req.receivers === 'logits' ? ['END'] : undefined), freezeMlps: req.freezeMlps,
        sendersBelowReceivers: req.sendersBelowReceivers, excludeReceivers: req.excludeReceivers,
      }), req.normalization);
    case 'head_scores':
      return headScores(ctx.model, req.score, {
        seqLen: req.seqLen, n: req.n, seed: req.seed ?? ctx.seed, batchSize: ctx.batchSize,
        pool: req.tokensFrom === undefined ? undefined : taskTokens(taskOf(ctx, req.tokensFrom)),
      });
    default:
      throw new CircuitspecError(`unknown metric kind '${String((req as { kind: unknown }).kind)}'`, { field: 'kind' });
  }
}

/**
 * Several requests. Per-prompt metrics of one task (logit_diff, accuracy, answer_prob, patching_score) are
 * computed batch by batch together, so each batch's clean run and its cached keys/values serve every
 * intervention on it (an intervention at END then costs one position, not a whole forward pass, even when the
 * caches of all batches would not fit the budget at once). Results come back in request order.
 */
export async function computeMetrics(ctx: ExperimentContext, reqs: MetricRequest[]): Promise<MetricValue[]> {
  const out: MetricValue[] = new Array(reqs.length);
  const grouped = new Map<string, number[]>();
  reqs.forEach((r, i) => {
    if (r.kind === 'logit_diff' || r.kind === 'accuracy' || r.kind === 'answer_prob' || r.kind === 'patching_score') {
      grouped.set(r.task, [...(grouped.get(r.task) ?? []), i]);
    }
  });
  for (const [task, idx] of grouped) {
    const set = taskOf(ctx, task);
    const sums = idx.map(() => [] as LogitSummary[]);
    const needCorrupted = idx.some((i) => reqs[i].kind === 'patching_score');
    if (needCorrupted) requireCorrupted(set, 'patching_score');
    const clean: LogitSummary[] = [];
    const corrupted: LogitSummary[] = [];
    const batches = batchesOf(ctx, task);
    for (const b of batches) {
      clean.push(...(await sharedRun(ctx, task, b, 'clean')).summary);
      if (needCorrupted) corrupted.push(...(await sharedRun(ctx, task, b, 'corrupted')).summary);
      for (const [k, i] of idx.entries()) {
        const ivs = (reqs[i] as { with?: Intervention[] }).with ?? [];
        if (ivs.length) sums[k].push(...(await runBatchIntervened(ctx, task, b, ivs, `metric ${i} with`)));
      }
      progress(ctx, `${task}: metrics`, b.index + 1, batches.length);
    }
    for (const [k, i] of idx.entries()) {
      const r = reqs[i];
      const s = (r as { with?: Intervention[] }).with?.length ? sums[k] : clean;
      if (r.kind === 'logit_diff') out[i] = scalar(s.map((x) => logitDiff(x, r.versus)));
      else if (r.kind === 'accuracy') out[i] = scalar(s.map((x) => isCorrect(x, r.over)));
      else if (r.kind === 'answer_prob') out[i] = scalar(s.map(answerProb));
      else if (r.kind === 'patching_score') {
        const ld = (xs: LogitSummary[]): number => mean(xs.map((x) => logitDiff(x)));
        out[i] = { type: 'scalar', value: patchingScore(ld(s), ld(clean), ld(corrupted)) };
      }
    }
  }
  for (const [i, r] of reqs.entries()) if (!out[i]) out[i] = await computeMetric(ctx, r);
  return out;
}

/** The distinct token ids of a task's prompts, ascending (a deterministic pool for random sequences). */
function taskTokens(set: PromptSet): number[] {
  return [...new Set(set.prompts.flatMap((p) => p.tokens))].sort((a, b) => a - b);
}
