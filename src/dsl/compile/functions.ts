/** The functions claims may call: metric functions (become metric steps) and value functions (evaluated). */
import type { FnName, ValueType } from '../../plan/types.js';
import type { MetricKind } from './metrics.js';

/** Parameters in positional order; `?` marks optional ones. */
export const METRIC_PARAMS: Record<MetricKind, string[]> = {
  logit_diff: ['task', 'versus?', 'with?', 'run?'],
  accuracy: ['task', 'over?', 'with?', 'run?'],
  answer_prob: ['task', 'with?', 'run?'],
  prob_diff: ['task', 'with?', 'run?'],
  attention: ['task', 'head', 'from?', 'to?', 'with?', 'run?'],
  dla: ['task', 'with?', 'run?'],
  patching_score: ['task', 'with'],
  path_patch: ['task', 'to?', 'input?', 'at?', 'senders?', 'freeze_mlps?', 'normalization?', 'senders_below_receivers?', 'exclude_receivers?'],
  // with? only to say why it cannot be (a located error, not an unknown argument).
  head_scores: ['score', 'seq_len?', 'n?', 'seed?', 'tokens_from?', 'sequences?', 'with?'],
};

export type ParamType = ValueType | 'head' | 'count' | 'sign' | 'metric';

export interface FnSig {
  params: { name: string; type: ParamType; optional?: boolean }[];
  /** Result type; `same` = the type of the first argument (spearman takes two tables or two metrics). */
  returns: ValueType;
  doc: string;
}

const num = (name: string) => ({ name, type: 'number' as const });
const heads = (name: string) => ({ name, type: 'heads' as const });
const sign = { name: 'sign', type: 'sign' as const, optional: true };

export const VALUE_FNS: Record<Exclude<FnName, 'neg'>, FnSig> = {
  delta: { params: [num('a'), num('b')], returns: 'number', doc: 'a − b; of two head tables, per head (a table)' },
  ratio: { params: [num('a'), num('b')], returns: 'number', doc: 'a / b' },
  abs: { params: [num('x')], returns: 'number', doc: '|x|' },
  top: { params: [{ name: 'table', type: 'table' }, { name: 'k', type: 'count' }, sign], returns: 'heads', doc: 'the k (or k%) highest-scoring heads (sign=abs by default)' },
  score: { params: [{ name: 'table', type: 'table' }, { name: 'head', type: 'heads' }], returns: 'number', doc: "one head's score, or the mean score of a head set (score(dla, {15.14, 16.15}))" },
  rank: { params: [{ name: 'table', type: 'table' }, { name: 'head', type: 'head' }, sign], returns: 'number', doc: "a head's rank (1 = top)" },
  count: { params: [heads('set')], returns: 'number', doc: 'number of heads' },
  overlap: { params: [heads('a'), heads('b')], returns: 'number', doc: 'Jaccard overlap |a∩b| / |a∪b|' },
  coverage: { params: [heads('a'), heads('b')], returns: 'number', doc: "fraction of a's heads that are in b" },
  shared: { params: [heads('a'), heads('b')], returns: 'heads', doc: 'heads in both' },
  union: { params: [heads('a'), heads('b')], returns: 'heads', doc: 'heads in either' },
  spearman: {
    params: [{ name: 'a', type: 'metric' }, { name: 'b', type: 'metric' }, { name: 'heads', type: 'heads', optional: true }],
    returns: 'number',
    doc: 'Spearman rank correlation of two head tables (over `heads` only, when given), or of two metrics per prompt',
  },
  regressions: { params: [{ name: 'after', type: 'metric' }, { name: 'before', type: 'metric' }], returns: 'number', doc: 'prompts where after < before (e.g. new mistakes)' },
  mean: { params: [{ name: 'control', type: 'distribution' }], returns: 'number', doc: "a random control's mean over its samples" },
  sd: { params: [{ name: 'control', type: 'distribution' }], returns: 'number', doc: "a random control's sample standard deviation (n − 1)" },
  beats: { params: [num('value'), { name: 'control', type: 'distribution' }, num('k')], returns: 'bool', doc: 'value > mean(control) + k·sd(control) (reported with the z-score)' },
  below: { params: [num('value'), { name: 'control', type: 'distribution' }, num('k')], returns: 'bool', doc: 'value < mean(control) − k·sd(control) (reported with the z-score)' },
};

export const ALL_FUNCTIONS = [...Object.keys(METRIC_PARAMS), ...Object.keys(VALUE_FNS), 'heads'];
