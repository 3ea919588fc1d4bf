/**
 * Head-role scores on repeated random token sequences [r_0 … r_{n-1} r_0 … r_{n-1}] (no BOS), averaged over
 * sequences: previous-token = attention from i to i−1 (every i ≥ 1); duplicate-token = from the second copy of a
 * token to its first copy (n+j → j); induction = from n+j to the token after the first copy (n+j → j+1).
 * headScoreValues gives each head's attention values over one shard of the sequence batches (what a worker
 * computes); the score is their mean in order, so concatenated shards give the one-worker table exactly.
 */
import { CircuitspecError } from '../../errors.js';
import { deriveSeed, makeRng } from '../util/rng.js';
import type { HookedGPT2 } from '../model/index.js';
import { headTable, mean } from '../metrics/scalar.js';
import { shardRange } from '../experiments/batches.js';
import type { MetricValue, Shard } from '../experiments/types.js';

export type HeadScore = 'previous_token' | 'duplicate_token' | 'induction';

export interface HeadScoreOptions {
  seqLen?: number; n?: number; seed?: number; batchSize?: number;
  /** Draw the random tokens from these ids (e.g. a task's tokens, for a model trained on a narrow vocabulary). */
  pool?: number[];
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

export async function headScores(model: HookedGPT2, score: HeadScore, opts: HeadScoreOptions = {}): Promise<MetricValue> {
  const { nHeads } = model.config;
  const values = await headScoreValues(model, score, opts);
  const table: number[][] = [];
  for (let i = 0; i < values.length; i += nHeads) table.push(values.slice(i, i + nHeads).map(mean));
  return headTable(table);
}

/** values[l·H + h]: the head's attention at every (sequence, pair), in order, over the shard's sequence batches. */
export async function headScoreValues(model: HookedGPT2, score: HeadScore, opts: HeadScoreOptions & { shard?: Shard } = {}): Promise<number[][]> {
  const { nLayers, nHeads, dVocab, nCtx } = model.config;
  const seqLen = opts.seqLen ?? Math.min(20, Math.floor(nCtx / 2));
  const n = opts.n ?? 20;
  if (!['previous_token', 'duplicate_token', 'induction'].includes(score)) {
    throw new CircuitspecError(`unknown head score '${score}' (expected previous_token, duplicate_token or induction)`, { field: 'score' });
  }
  if (!Number.isInteger(seqLen) || seqLen < 2 || 2 * seqLen > nCtx) throw new CircuitspecError(`seqLen must be an integer in 2..${Math.floor(nCtx / 2)}, got ${seqLen}`, { field: 'seqLen' });
  if (!Number.isInteger(n) || n < 1) throw new CircuitspecError(`n must be a positive integer, got ${n}`, { field: 'n' });
  const seqs = repeatedSequences(dVocab, seqLen, n, opts.seed ?? 0, opts.pool);
  const pairs: [number, number][] = [];
  if (score === 'previous_token') for (let i = 1; i < 2 * seqLen; i++) pairs.push([i, i - 1]);
  else for (let j = 0; j < seqLen - (score === 'induction' ? 1 : 0); j++) pairs.push([seqLen + j, j + (score === 'induction' ? 1 : 0)]);
  const values = Array.from({ length: nLayers * nHeads }, () => [] as number[]);
  const bs = opts.batchSize ?? 16;
  const names = Array.from({ length: nLayers }, (_, l) => `blocks.${l}.attn.hook_pattern`);
  const [first, end] = shardRange(Math.ceil(seqs.length / bs), opts.shard);
  for (let i = first * bs; i < end * bs; i += bs) {
    const batch = seqs.slice(i, i + bs);
    const { logits, cache } = await model.runWithCache(batch, { names, logitsAt: 'none' });
    logits.dispose();
    opts.onPositions?.(batch.length * 2 * seqLen);
    try {
      for (let l = 0; l < nLayers; l++) {
        const { data, shape } = cache.array(names[l]); // [B, H, P, K]
        const [B, H, P, K] = shape;
        for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (const [q, k] of pairs) values[l * nHeads + h].push(data[((b * H + h) * P + q) * K + k]);
      }
    } finally {
      cache.dispose();
    }
  }
  return values;
}
