/**
 * HookedGPT2: the user-facing model. Holds weights once; every run takes its hooks and cache request as values,
 * so nothing outlives a run (TransformerLens's hook footgun avoided by construction).
 */
import * as tf from '@tensorflow/tfjs';
import type { Tokenizer } from '../tokenizer/index.js';
import type { ModelConfig } from './config.js';
import type { GPT2Weights } from './weights.js';
import { disposeWeights } from './weights.js';
import { forward, logitRows, type LogitsAt } from './forward.js';
import { hookNames, makeRunner, resolveCacheNames, validateHooks, type CacheRequest, type Hook, type RunShape } from './hooks.js';
import { TensorCache, sliceAxis1, type ActivationCache } from './cache.js';
import type { ProcessingFlags } from './processing.js';
import { CircuitspecError } from '../../errors.js';
import { webgpuDevice } from '../gpu/backend.js';
import { maxBatchFor } from '../gpu/memory.js';

export interface RunOptions {
  hooks?: Hook[];
  /** 'last' = each prompt's own last real token → [B, V]; default 'all' → [B, P, V]. */
  logitsAt?: LogitsAt;
  /** Only for string input; default false (never silent). */
  prependBos?: boolean;
  /** Recompute only positions >= startPos, reading earlier keys/values (blocks.L.attn.hook_k/hook_v) from `past`. */
  startPos?: number;
  past?: ActivationCache;
}

export type ModelInput = string[] | number[][];

export interface ModelIdentity {
  source: string;
  weightHash: string;
  processing: ProcessingFlags;
  backend: string;
  /** The GPU adapter, when the backend is webgpu. */
  adapter?: string;
}

export class HookedGPT2 {
  constructor(
    readonly weights: GPT2Weights,
    readonly config: ModelConfig,
    readonly tokenizer: Tokenizer,
    readonly identity: ModelIdentity,
    /** Token used to right-pad ragged batches (never attended to by real tokens: attention is causal). */
    readonly padTokenId = 0,
  ) {}

  /** Token ids, right-padded to the longest prompt; `lengths` are the real lengths. */
  toTokens(input: ModelInput, opts: { prependBos?: boolean } = {}): { ids: number[][]; lengths: number[] } {
    if (!Array.isArray(input) || input.length === 0) throw new CircuitspecError('input must be a non-empty array of strings or token-id arrays', { field: 'input' });
    const bos = this.tokenizer.bosTokenId;
    const rows = input.map((x, i) => {
      let ids: number[];
      if (typeof x === 'string') ids = this.tokenizer.encode(x);
      else if (Array.isArray(x)) ids = x.slice();
      else throw new CircuitspecError(`input[${i}] must be a string or an array of token ids`, { field: `input[${i}]` });
      if (opts.prependBos) ids.unshift(bos);
      if (ids.length === 0) throw new CircuitspecError(`input[${i}] has no tokens`, { field: `input[${i}]` });
      if (ids.length > this.config.nCtx) {
        throw new CircuitspecError(`input[${i}] has ${ids.length} tokens, more than the model's context of ${this.config.nCtx}`, { field: `input[${i}]` });
      }
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= this.config.dVocab) {
          throw new CircuitspecError(`input[${i}] has token id ${id}, outside the model's vocabulary 0..${this.config.dVocab - 1}`, { field: `input[${i}]` });
        }
      }
      return ids;
    });
    const lengths = rows.map((r) => r.length);
    const P = Math.max(...lengths);
    const ids = rows.map((r) => (r.length < P ? r.concat(new Array<number>(P - r.length).fill(this.padTokenId)) : r));
    return { ids, lengths };
  }

  /** The largest batch of prompts over K positions this backend can run in one forward (unbounded off the GPU). */
  maxBatch(K: number): number {
    const dev = this.identity.backend === 'webgpu' ? webgpuDevice() : undefined;
    return dev ? maxBatchFor(this.config, K, dev.limits) : Infinity;
  }

  hookNames(): string[] {
    return hookNames(this.config);
  }

  /** Logits (caller disposes) and an ActivationCache of the names asked for (default: all but hook_result). */
  async runWithCache(
    input: ModelInput, opts: RunOptions & { names?: CacheRequest } = {},
  ): Promise<{ logits: tf.Tensor; cache: ActivationCache }> {
    const cached = resolveCacheNames(opts.names, this.config);
    const cache = new TensorCache(opts.startPos ?? 0);
    let logits: tf.Tensor | undefined;
    try {
      logits = this.run(input, opts, cached, cache);
      await cache.settle();
      return { logits, cache };
    } catch (e) {
      logits?.dispose();
      cache.dispose();
      throw e;
    }
  }

  async runWithHooks(input: ModelInput, opts: RunOptions = {}): Promise<{ logits: tf.Tensor }> {
    return { logits: this.run(input, opts, new Set(), null) };
  }

  /** Synchronous core shared by both runs. Logits for 'none' are an empty [B, 0] tensor. */
  private run(input: ModelInput, opts: RunOptions, cached: Set<string>, cache: TensorCache | null): tf.Tensor {
    const { ids, lengths } = this.toTokens(input, { prependBos: opts.prependBos });
    const B = ids.length;
    const K = ids[0].length;
    const start = opts.startPos ?? 0;
    const runShape: RunShape = { B, K, start };
    if (!Number.isInteger(start) || start < 0 || start >= K) {
      throw new CircuitspecError(`startPos ${start} must be an integer in 0..${K - 1}`, { field: 'startPos' });
    }
    const hooks = opts.hooks ?? [];
    const parsed = validateHooks(hooks, this.config, runShape);
    const past = start > 0 ? this.pastReader(opts.past, B, start) : undefined;
    const at = opts.logitsAt ?? 'all';
    if (at === 'last' || Array.isArray(at)) logitRows(at, B, K - start, start, lengths); // checks before compute
    else if (at !== 'all' && at !== 'none') {
      throw new CircuitspecError(`logitsAt must be 'all', 'last', 'none' or per-row position lists, got ${JSON.stringify(at)}`, { field: 'logitsAt' });
    }
    const runner = makeRunner(hooks, parsed, this.config, runShape, cached, (name, x) => cache!.store(name, x));
    return tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [B, K], 'int32');
      const { logits } = forward(this.weights, this.config, idsT, {
        hooks: runner, logitsAt: opts.logitsAt, lengths, startPos: start, past,
      });
      return logits ?? tf.zeros([B, 0]);
    });
  }

  /** Reads keys/values of positions < start from an earlier full run's cache (checked before compute). */
  private pastReader(past: ActivationCache | undefined, B: number, start: number): (layer: number) => { k: tf.Tensor; v: tf.Tensor } {
    if (!past) throw new CircuitspecError('startPos > 0 needs `past`: a cache from an earlier run holding blocks.L.attn.hook_k and hook_v', { field: 'past' });
    if (past instanceof TensorCache && past.startPos !== 0) {
      throw new CircuitspecError(`past must come from a run starting at position 0 (this one started at ${past.startPos})`, { field: 'past' });
    }
    const { nLayers, nHeads, dHead } = this.config;
    for (let l = 0; l < nLayers; l++) {
      for (const n of [`blocks.${l}.attn.hook_k`, `blocks.${l}.attn.hook_v`]) {
        if (!past.has(n)) throw new CircuitspecError(`past has no '${n}' (cache hook_k and hook_v of every layer for a partial rerun)`, { field: 'past' });
        const s = past.array(n).shape;
        if (s[0] !== B || s[1] < start || s[2] !== nHeads || s[3] !== dHead) {
          throw new CircuitspecError(`past '${n}' has shape [${s.join(', ')}], needs [${B}, >=${start}, ${nHeads}, ${dHead}]`, { field: 'past' });
        }
      }
    }
    return (l) => ({
      k: sliceAxis1(past.array(`blocks.${l}.attn.hook_k`), 0, start),
      v: sliceAxis1(past.array(`blocks.${l}.attn.hook_v`), 0, start),
    });
  }

  dispose(): void {
    disposeWeights(this.weights);
  }
}
