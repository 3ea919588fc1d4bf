/**
 * Path-patching benchmark (npm run bench:path-patching): the paper's first stage — every head a sender, patched
 * at END, receivers the logits — on random:gpt2-medium with 50 prompts of 20 tokens. Times the fast sweep over all
 * 384 senders and the literal definition on a sample of 8 senders (scaled to 384), checks they give the same
 * scores, and prints each cost in forward-pass equivalents of the batch.
 *
 *   node --expose-gc dist/bench/path-patching.js [--model gpt2-medium] [--prompts 50] [--len 20] [--senders 8]
 *                                                [--freeze-mlps]
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../src/runtime/model/index.js';
import { createContext, disposeContext } from '../src/runtime/experiments/index.js';
import { pathPatchFast, pathPatchLiteral, type PathPatchOptions } from '../src/runtime/interventions/index.js';
import type { Head } from '../src/runtime/experiments/types.js';
import type { Prompt, PromptSet } from '../src/runtime/tasks/types.js';
import { makeRng } from '../src/runtime/util/rng.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

/** n random prompts of `len` tokens with an IOI-like minimal pair: the corrupted prompt differs at len−4. */
function benchTask(n: number, len: number, vocab: number): PromptSet {
  const rng = makeRng(7);
  const prompts: Prompt[] = Array.from({ length: n }, (_, i) => {
    const tokens = Array.from({ length: len }, () => rng.int(vocab - 1));
    const corrupted = tokens.slice();
    corrupted[len - 4] = rng.int(vocab - 1);
    const roles = { S2: len - 4, END: len - 1 };
    return {
      id: `bench#${i}`, text: '', tokens, answer: '', answerId: tokens[2], distractors: [''], distractorIds: [tokens[5]], roles,
      corrupted: { text: '', tokens: corrupted, answer: '', answerId: tokens[5], roles: { ...roles } },
    };
  });
  return { name: 'bench', kind: 'synthetic', prompts, roleNames: ['S2', 'END'], provenance: { prependBos: false } };
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const modelName = arg('model', 'gpt2-medium');
  const n = Number(arg('prompts', '50'));
  const len = Number(arg('len', '20'));
  const sample = Number(arg('senders', '8'));
  const freezeMlps = process.argv.includes('--freeze-mlps');
  const model = await loadModel(`random:${modelName}`, { backend: 'auto' });
  const { nLayers, nHeads } = model.config;
  const total = nLayers * nHeads;
  const task = benchTask(n, len, model.config.dVocab);
  const ctx = createContext(model, [task], { batchSize: n });
  const opts: PathPatchOptions = { receivers: 'logits', senderPositions: ['END'], freezeMlps };
  console.log(`path patching: random:${modelName} (${nLayers}×${nHeads} = ${total} senders), ${n} prompts × ${len} tokens, senders at END → logits, MLPs ${freezeMlps ? 'frozen' : 'recomputed'}, backend ${tf.getBackend()}`);

  // One forward pass of the batch (logits at END only): the unit of cost.
  const ids = task.prompts.map((p) => p.tokens);
  (await model.runWithHooks(ids.slice(0, 2), { logitsAt: 'last' })).logits.dispose(); // warm-up
  let t = performance.now();
  (await model.runWithHooks(ids, { logitsAt: 'last' })).logits.dispose();
  const fwd = performance.now() - t;
  console.log(`one forward pass of the batch: ${secs(fwd)}`);

  t = performance.now();
  const fast = await pathPatchFast(ctx, 'bench', opts);
  const fastMs = performance.now() - t;
  console.log(`fast sweep, all ${total} senders: ${secs(fastMs)} = ${(fastMs / fwd).toFixed(1)} forward passes`);

  const rng = makeRng(11);
  const senders: Head[] = rng.sample(Array.from({ length: total }, (_, i) => ({ layer: Math.floor(i / nHeads), head: i % nHeads })), sample);
  t = performance.now();
  const literal = await pathPatchLiteral(ctx, 'bench', { ...opts, senders });
  const litMs = performance.now() - t;
  // The literal run = its own clean + corrupted runs (2 passes) + 2 passes per sender; scale the per-sender part.
  const perSender = Math.max(0, litMs - 2 * fwd) / sample;
  const litEst = 2 * fwd + perSender * total;
  console.log(`literal, ${sample} senders: ${secs(litMs)}; scaled to ${total}: ${secs(litEst)} = ${(litEst / fwd).toFixed(0)} forward passes (definition: ${2 * total + 2})`);

  let maxDiff = 0;
  let maxEffect = 0;
  for (const s of senders) {
    fast.patched[s.layer][s.head].forEach((x, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(x - literal.patched[s.layer][s.head][i]));
      maxEffect = Math.max(maxEffect, Math.abs(literal.patched[s.layer][s.head][i] - literal.clean[i]));
    });
  }
  console.log(`scores: max |fast − literal| over ${sample} senders × ${n} prompts = ${maxDiff.toExponential(2)} (largest effect ${maxEffect.toExponential(2)})`);
  console.log(`speed-up: ${(litEst / fastMs).toFixed(1)}× (goal ≥ 20×)`);
  disposeContext(ctx);
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
