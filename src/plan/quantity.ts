/**
 * What a number is: the metric kind behind a claim's value and its unit or normalisation, so a report never shows
 * a bare `-1.833`. Derived from the plan (the claim's expression and the metric requests it reads).
 */
import type { MetricRequest } from '../runtime/experiments/types.js';
import type { ClaimExpr } from './types.js';

export interface Quantity {
  /** The metric kind or combinator: `path_patch`, `accuracy`, `Δ accuracy`, `overlap`, … */
  kind: string;
  /** Unit or normalisation: `(patched − clean) / clean logit diff`, `fraction of prompts`, … */
  unit: string;
}

const VERSUS: Record<string, string> = { distractor: 'answer − distractor', mean_others: 'answer − mean of other candidates', max_others: 'answer − best other candidate' };

/** Path-patching normalisations in words (see PathPatchNormalization). */
const NORMALIZATION_LABEL = {
  relative_clean: '(patched − clean) / clean logit diff',
  gap_percent: '−100·(patched − clean) / (corrupted − clean) logit diff, per batch',
} as const;

const ACCURACY_UNIT = {
  vocab: 'fraction correct',
  candidates: "fraction correct among the task's candidates",
  distractors: 'fraction where the answer beats every distractor',
} as const;

/** The quantity a metric request measures (a head table's cells for table metrics). */
export function requestQuantity(r: MetricRequest): Quantity {
  const q = baseQuantity(r);
  // A random control's values are the metric once per random head set.
  return 'control' in r && r.control ? { kind: q.kind, unit: `${q.unit}, over ${r.control.samples.length} random head sets` } : q;
}

function baseQuantity(r: MetricRequest): Quantity {
  switch (r.kind) {
    case 'accuracy': return { kind: 'accuracy', unit: ACCURACY_UNIT[r.over ?? 'vocab'] };
    case 'logit_diff': return { kind: 'logit_diff', unit: `logits, ${VERSUS[r.versus ?? 'distractor']}` };
    case 'answer_prob': return { kind: 'answer_prob', unit: 'probability of the answer' };
    case 'prob_diff': return { kind: 'prob_diff', unit: 'P(answers) − P(distractors)' };
    case 'attention': {
      const to = [r.to, ...(r.alsoTo ?? [])].join(' + ');
      const unit = r.alsoTo?.length ? `weight ${r.from} → ${to}, summed` : `weight ${r.from} → ${to}, 0–1`;
      return { kind: 'attention', unit: r.alsoHeads?.length ? `${unit}, mean of ${1 + r.alsoHeads.length} heads` : unit };
    }
    case 'dla': return { kind: 'dla', unit: 'logits, answer − distractor, per head' };
    case 'patching_score': return { kind: 'patching_score', unit: '(patched − clean) / (corrupted − clean) logit diff' };
    case 'path_patch': return { kind: 'path_patch', unit: `${NORMALIZATION_LABEL[r.normalization ?? 'relative_clean']}, per sender head` };
    case 'head_scores': return { kind: `${r.score} score`, unit: 'attention weight, 0–1, per head' };
  }
}

/** The quantity a claim sub-expression evaluates to; undefined for literals and true/false parts. */
export function exprQuantity(e: ClaimExpr, requestOf: (step: string) => MetricRequest | undefined): Quantity | undefined {
  const q = (x: ClaimExpr | undefined) => (x ? exprQuantity(x, requestOf) : undefined);
  switch (e.op) {
    case 'metric': {
      const r = requestOf(e.step);
      return r && requestQuantity(r);
    }
    case 'circuit': return { kind: 'circuit', unit: e.role ? `heads with role ${e.role}` : 'heads' };
    case 'fn': {
      const [a] = e.args;
      const inner = q(a);
      switch (e.fn) {
        case 'delta': return inner && { kind: `Δ ${inner.kind}`, unit: `${inner.unit}, left − right` };
        case 'ratio': return inner && { kind: `ratio of ${inner.kind}`, unit: 'left ÷ right' };
        case 'abs': return inner && { kind: `|${inner.kind}|`, unit: inner.unit };
        case 'neg': return inner && { kind: `−${inner.kind}`, unit: inner.unit };
        case 'score': return inner && { kind: inner.kind, unit: inner.unit.replace(/, per (sender )?head$/, '') };
        case 'rank': return { kind: 'rank', unit: `by ${inner?.kind ?? 'score'}, 1 = strongest` };
        case 'top': return { kind: 'top heads', unit: `by ${inner?.kind ?? 'score'}${e.opts.sign ? `, ${e.opts.sign}` : ''}` };
        case 'count': return { kind: 'count', unit: 'heads' };
        case 'overlap': return { kind: 'overlap', unit: 'Jaccard |A ∩ B| / |A ∪ B|' };
        case 'coverage': return { kind: 'coverage', unit: 'fraction of the left set in the right' };
        case 'shared': return { kind: 'shared heads', unit: 'A ∩ B' };
        case 'union': return { kind: 'heads', unit: 'A ∪ B' };
        case 'spearman': return { kind: 'spearman', unit: `rank correlation of ${inner?.kind ?? 'values'}, −1–1` };
        case 'mean': return inner && { kind: `mean ${inner.kind}`, unit: inner.unit };
        case 'sd': return inner && { kind: `sd of ${inner.kind}`, unit: inner.unit };
        case 'beats': case 'below': return undefined;
        case 'regressions': return { kind: 'regressions', unit: `prompts whose ${inner?.kind ?? 'value'} dropped` };
      }
      return undefined;
    }
    default: return undefined;
  }
}

export function formatQuantity(q: Quantity): string {
  return `${q.kind} [${q.unit}]`;
}
