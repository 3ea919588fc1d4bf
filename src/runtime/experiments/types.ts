/** Experiment requests and results: plain JSON-able data the executor builds from a Plan. */
import type { HookedGPT2 } from '../model/index.js';
import type { PromptSet } from '../tasks/types.js';

/** Printed 'layer.head'. */
export type Head = { layer: number; head: number };

export type Intervention =
  | { type: 'patch'; hook: string; heads?: number[]; positions?: string[] /* role names */; from: 'corrupted' | 'clean' }
  | { type: 'ablate'; hook: string; heads?: number[]; positions?: string[]; method: 'zero' | 'mean' | 'resample'; seed?: number }
  | { type: 'attention_override'; heads: Head[]; query: string /* role */; keys: Record<string, number> /* role → weight */ }
  /** Zero the heads' attention from the query role to the key roles; renormalize: the rest of the row sums to 1 again. */
  | { type: 'attention_block'; heads: Head[]; query: string /* role */; keys: string[] /* roles */; renormalize: boolean };

/**
 * A random control: the same interventions on K random head sets, drawn at compile time (so the heads do not
 * depend on batches or workers). Each sample's interventions are applied together with the metric's `with`.
 */
export interface Control { samples: Intervention[][] }

/** A head input path patching can patch into; z is the head's output before W_O (Merullo et al.'s default). */
export type HeadInput = 'q' | 'k' | 'v' | 'z';
export type ResidHook = 'resid_pre' | 'resid_mid' | 'resid_post';
/** Receivers: the logits at END, heads' q/k/v/z at role positions, or the residual stream of one layer at role positions. */
export type PathPatchReceivers =
  | 'logits'
  | { heads: Head[]; input: HeadInput; positions: string[] }
  | { resid: ResidHook; layer: number; positions: string[] };
/**
 * How a path-patching table is normalised:
 *   relative_clean — (mean patched − mean clean) / mean clean logit difference (Wang et al. 2022; a fraction);
 *   gap_percent    — −100 · mean over batches of (LD_patched − LD_clean) / (LD_corrupted − LD_clean), batch means
 *                    (Merullo et al.'s patching_utils; −100 = the path carries the whole corruption).
 */
export type PathPatchNormalization = 'relative_clean' | 'gap_percent';

/** Which heads compete as senders (Merullo et al.'s path_patching applies both rules). */
export interface SenderRules {
  /** Only senders in layers below the lowest receiver head's layer. */
  sendersBelowReceivers?: boolean;
  /** A receiver head is never a sender. */
  excludeReceivers?: boolean;
}

/**
 * Which prompts a metric is read on. Answers, distractors and role positions are always the clean prompt's, so
 * the corrupted run's logit difference is the clean answer against the clean distractor on the corrupted prompt.
 * Unset: the clean run, except that interventions which all patch from the clean run edit the corrupted one.
 */
export type RunSide = 'clean' | 'corrupted';

export type MetricRequest =
  | { kind: 'logit_diff'; task: string; versus?: 'distractor' | 'mean_others' | 'max_others'; with?: Intervention[]; run?: RunSide; control?: Control }
  | { kind: 'accuracy'; task: string; over?: 'vocab' | 'candidates' | 'distractors'; with?: Intervention[]; run?: RunSide; control?: Control }
  | { kind: 'answer_prob'; task: string; with?: Intervention[]; run?: RunSide; control?: Control }
  /** P(answers) − P(distractors) at END (Greater-Than's probability difference). */
  | { kind: 'prob_diff'; task: string; with?: Intervention[]; run?: RunSide; control?: Control }
  /**
   * Attention of `head` from `from` to `to`; with `alsoHeads` the mean over all the heads, with `alsoTo` the sum
   * over the key roles' positions (the movers' attention to both wrong colours, as one number).
   */
  | { kind: 'attention'; task: string; head: Head; from: string; to: string; alsoHeads?: Head[]; alsoTo?: string[]; with?: Intervention[]; run?: RunSide }
  /** Per head → HeadTable. */
  | { kind: 'dla'; task: string; with?: Intervention[]; run?: RunSide }
  /** (patched − clean) / (corrupted − clean). */
  | { kind: 'patching_score'; task: string; with: Intervention[]; control?: Control }
  /** → HeadTable. */
  | ({
    kind: 'path_patch'; task: string; receivers: PathPatchReceivers; senderPositions?: string[]; freezeMlps?: boolean; normalization?: PathPatchNormalization;
    /** Senders patched at every position (`senders: all`), where the default for logits receivers is END. */
    allSenderPositions?: boolean;
  } & SenderRules)
  /** → HeadTable. */
  | {
    kind: 'head_scores'; score: 'previous_token' | 'duplicate_token' | 'induction'; seqLen?: number; n?: number; seed?: number; tokensFrom?: string;
    /** Given sequences instead of random ones: a task's prompt tokens, or a JSONL file of token ids (absolute path). */
    sequencesFrom?: string; sequencesFile?: string;
  };

export type MetricValue =
  | { type: 'scalar'; value: number; perPrompt?: number[] }
  /** values[layer][head]. */
  | {
    type: 'heads'; nLayers: number; nHeads: number; values: number[][]; normalization?: PathPatchNormalization;
    /** Heads the request leaves out by design ('layer.head': path patching's sender rules); their value is NaN. */
    unscored?: string[];
  }
  /**
   * A random control: the metric once per sample (`values`, in sample order), their mean and sample standard
   * deviation (n − 1), and each sample's heads ('layer.head').
   */
  | { type: 'distribution'; values: number[]; mean: number; sd: number; heads: string[][] };

export interface CircuitStage {
  name: string;
  role: string;
  /** A path_patch or another head table. */
  from: MetricRequest;
  keep: { topK?: number; topPercent?: number; threshold?: number };
  sign?: 'positive' | 'negative' | 'abs';
  /** Earlier stages whose kept heads join `from.receivers.heads` (a path_patch with head receivers). */
  receiversFrom?: string[];
}

export interface CircuitHead { layer: number; head: number; role: string; stage: string; score: number }
export interface Circuit { task: string; heads: CircuitHead[] }

export interface CircuitComparison {
  intersection: string[];
  union: string[];
  jaccard: number;
  sharedOfA: number;
  sharedOfB: number;
  byRole: Record<string, { a: string[]; b: string[]; shared: string[] }>;
}

/**
 * One of `count` workers, which computes the `index`-th contiguous run of every task's batches (see shardRange).
 * Batches keep their task-wide index, so per-batch seeds and cache keys do not depend on the split.
 */
export interface Shard { index: number; count: number }

export interface ExperimentContext {
  model: HookedGPT2;
  tasks: Map<string, PromptSet>;
  seed: number;
  batchSize: number;
  onProgress?: (p: { step: string; done: number; total: number }) => void;
  /** Only this shard's batches (default: all). */
  shard?: Shard;
}

export interface ContextOptions {
  seed?: number;
  batchSize?: number;
  onProgress?: (p: { step: string; done: number; total: number }) => void;
  shard?: Shard;
}

export function headName(h: Head): string {
  return `${h.layer}.${h.head}`;
}
