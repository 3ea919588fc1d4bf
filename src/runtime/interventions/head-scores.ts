/**
 * Head-role scores: how much of a head's attention goes where a previous-token, duplicate-token or induction head
 * would put it. The target keys of each query position come from the tokens alone, as TransformerLens's
 * `head_detector.py` detection patterns (x = the sequence's token ids; BOS is an ordinary token, never dropped):
 *   previous_token   t ≥ 1               → {t − 1}
 *   duplicate_token  t with an earlier copy → {k < t : x_k = x_t}
 *   induction        t with an earlier copy → {k + 1 : k < t, x_k = x_t}
 * A head's score is the mean, over every (sequence, query position with at least one target), of its attention
 * summed over the targets: 1 = a perfect head. (TransformerLens's `mul` score divides the same sum by every query
 * position instead: ours × scored positions / sequence length.) On a repeated random sequence r‖r of length 2n whose
 * r has no repeated token, induction scores t = n … 2n − 1 → t − n + 1 (n positions), duplicate-token t → t − n
 * (n positions) and previous-token t = 1 … 2n − 1.
 * Sequences are random r‖r (no BOS; seeded), or given token ids (`sequences`, used as they are).
 * headScoreValues gives each head's values over one shard of the sequence batches (what a worker computes); the
 * score is their mean in order, so concatenated shards give the one-worker table exactly.
 */
import { CircuitspecError } from '../../errors.js';
import { deriveSeed, makeRng } from '../util/rng.js';
import type { HookedGPT2 } from '../model/index.js';
import { headTable, mean } from '../metrics/scalar.js';
import { shardRange } from '../experiments/batches.js';
import type { MetricValue, Shard } from '../experiments/types.js';

export type HeadScore = 'previous_token' | 'duplicate_token' | 'induction';
export const HEAD_SCORES: readonly HeadScore[] = ['previous_token', 'duplicate_token', 'induction'];

export interface HeadScoreOptions {
  seqLen?: number; n?: number; seed?: number; batchSize?: number;
  /** Draw the random tokens from these ids (e.g. a task's tokens, for a model trained on a narrow vocabulary). */
  pool?: number[];
  /** Score these token sequences instead of random ones (the first `n` of them when n is given). */
  sequences?: number[][];
  /** Told the positions each forward pass computes (cost accounting). */
  onPositions?: (n: number) => void;
}

export function repeatedSequences(vocab: number, seqLen: number, n: number, seed: number, pool?: number[]): number[][] {
  const rng = makeRng(deriveSeed(seed, 'repeated-tokens'));
  // Token ids below 50256 avoid <|endoftext|>; tiny vocabularies keep their last id (often BOS) out too.
  const top = Math.min(vocab - 1, 50256);
  const draw = pool && pool.length ? () => rng.choice(pool) : () => rng.int(top);
  return Array.from({ length: n }, () => {
    const r = Array.from({ length: seqLen }, draw);
    return [...r, ...r];
  });
}

/** [query, its target keys] for every query position of `tokens` that has a target under `score`. */
export function scoreTargets(score: HeadScore, tokens: readonly number[]): [number, number[]][] {
  const out: [number, number[]][] = [];
  for (let t = 0; t < tokens.length; t++) {
    let keys: number[];
    if (score === 'previous_token') keys = t >= 1 ? [t - 1] : [];
    else {
      const copies: number[] = [];
      for (let k = 0; k < t; k++) if (tokens[k] === tokens[t]) copies.push(k);
      keys = score === 'duplicate_token' ? copies : copies.map((k) => k + 1);
    }
    if (keys.length) out.push([t, keys]);
  }
  return out;
}

export async function headScores(model: HookedGPT2, score: HeadScore, opts: HeadScoreOptions = {}): Promise<MetricValue> {
  const { nHeads } = model.config;
  const values = await headScoreValues(model, score, opts);
  const table: number[][] = [];
  for (let i = 0; i < values.length; i += nHeads) table.push(values.slice(i, i + nHeads).map(mean));
  return headTable(table);
}

/** The sequences a request scores: the given ones (the first n) or n seeded random r‖r. */
export function scoredSequences(model: HookedGPT2, opts: HeadScoreOptions): number[][] {
  const { dVocab, nCtx } = model.config;
  if (opts.sequences) {
    const n = opts.n ?? opts.sequences.length;
    if (!Number.isInteger(n) || n < 1 || n > opts.sequences.length) {
      throw new CircuitspecError(`n must be an integer in 1..${opts.sequences.length} (the sequences given), got ${n}`, { field: 'n' });
    }
    return opts.sequences.slice(0, n);
  }
  const seqLen = opts.seqLen ?? Math.min(20, Math.floor(nCtx / 2));
  const n = opts.n ?? 20;
  if (!Number.isInteger(seqLen) || seqLen < 2 || 2 * seqLen > nCtx) throw new CircuitspecError(`seqLen must be an integer in 2..${Math.floor(nCtx / 2)}, got ${seqLen}`, { field: 'seqLen' });
  if (!Number.isInteger(n) || n < 1) throw new CircuitspecError(`n must be a positive integer, got ${n}`, { field: 'n' });
  return repeatedSequences(dVocab, seqLen, n, opts.seed ?? 0, opts.pool);
}

/** values[l·H + h]: the head's attention on the targets at every (sequence, scored query), in order, over the shard's batches. */
export async function headScoreValues(model: HookedGPT2, score: HeadScore, opts: HeadScoreOptions & { shard?: Shard } = {}): Promise<number[][]> {
  const { nLayers, nHeads } = model.config;
  if (!HEAD_SCORES.includes(score)) {
    throw new CircuitspecError(`unknown head score '${score}' (expected previous_token, duplicate_token or induction)`, { field: 'score' });
  }
  const seqs = scoredSequences(model, opts);
  if (seqs.every((s) => scoreTargets(score, s).length === 0)) {
    throw new CircuitspecError(`no position of the ${seqs.length} sequence(s) has a ${score} target (no token occurs twice): the score would be undefined`, { field: 'sequences' });
  }
  const values = Array.from({ length: nLayers * nHeads }, () => [] as number[]);
  const bs = opts.batchSize ?? 16;
  const names = Array.from({ length: nLayers }, (_, l) => `blocks.${l}.attn.hook_pattern`);
  const [first, end] = shardRange(Math.ceil(seqs.length / bs), opts.shard);
  for (let i = first * bs; i < end * bs && i < seqs.length; i += bs) {
    const batch = seqs.slice(i, i + bs);
    const targets = batch.map((s) => scoreTargets(score, s));
    // Ragged batches are right-padded: causal attention keeps every real position's row as it would be alone.
    const { logits, cache } = await model.runWithCache(batch, { names, logitsAt: 'none' });
    logits.dispose();
    opts.onPositions?.(batch.length * Math.max(...batch.map((s) => s.length)));
    try {
      for (let l = 0; l < nLayers; l++) {
        const { data, shape } = cache.array(names[l]); // [B, H, P, K]
        const [B, H, P, K] = shape;
        for (let b = 0; b < B; b++) {
          for (let h = 0; h < H; h++) {
            for (const [q, keys] of targets[b]) {
              let sum = 0;
              for (const k of keys) sum += data[((b * H + h) * P + q) * K + k];
              values[l * nHeads + h].push(sum);
            }
          }
        }
      }
    } finally {
      cache.dispose();
    }
  }
  return values;
}
