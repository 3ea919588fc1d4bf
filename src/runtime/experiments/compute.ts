/** computeMetric: one MetricRequest → one MetricValue, reusing the context's shared clean/corrupted runs. */
import { CircuitspecError } from '../../errors.js';
import { headScores } from '../interventions/head-scores.js';
import { normalisedTable } from '../interventions/path-patching/common.js';
import { pathPatchFast } from '../interventions/path-patching/fast.js';
import { runIntervened } from '../interventions/run.js';
import { isCorrect } from '../metrics/accuracy.js';
import { answerProb } from '../metrics/answer-prob.js';
import { attentionMetric } from '../metrics/attention.js';
import { directLogitAttribution } from '../metrics/dla.js';
import { logitDiff } from '../metrics/logit-diff.js';
import { patchingScore } from '../metrics/patching-score.js';
import { mean, scalar } from '../metrics/scalar.js';
import { requireCorrupted } from './batches.js';
import { sideSummaries, taskOf } from './context.js';
import type { LogitSummary } from './logits.js';
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
      }));
    case 'head_scores':
      return headScores(ctx.model, req.score, { seqLen: req.seqLen, n: req.n, seed: req.seed ?? ctx.seed, batchSize: ctx.batchSize });
    default:
      throw new CircuitspecError(`unknown metric kind '${String((req as { kind: unknown }).kind)}'`, { field: 'kind' });
  }
}

/** Several requests in order (they share the context's runs and caches). */
export async function computeMetrics(ctx: ExperimentContext, reqs: MetricRequest[]): Promise<MetricValue[]> {
  const out: MetricValue[] = [];
  for (const r of reqs) out.push(await computeMetric(ctx, r));
  return out;
}
