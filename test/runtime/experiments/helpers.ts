/** A synthetic task for models of any vocabulary (the tiny fixture has 1000 tokens): roles A, B, B2, END. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng } from '../../../src/runtime/util/rng.js';
import type { Prompt, PromptSet } from '../../../src/runtime/tasks/types.js';

export const TINY = join(fileURLToPath(new URL('../../../fixtures/tiny-gpt2', import.meta.url)));

/**
 * n prompts of `len` tokens (or lengths cycling through `len` when it is a list): A at 1, B at 3, B2 at len−3,
 * the corrupted prompt differs at B2. Answer = the token at A, distractor = the token at B.
 */
export function syntheticTask(name: string, n: number, len: number | number[], vocab = 1000, seed = 1): PromptSet {
  const rng = makeRng(seed);
  const prompts: Prompt[] = [];
  for (let i = 0; i < n; i++) {
    const L = Array.isArray(len) ? len[i % len.length] : len;
    const tokens = Array.from({ length: L }, () => rng.int(vocab - 1));
    const [a, b, c] = rng.sample(Array.from({ length: vocab - 1 }, (_, k) => k), 3);
    tokens[1] = a;
    tokens[3] = b;
    tokens[L - 3] = b;
    const corrupted = tokens.slice();
    corrupted[L - 3] = c;
    const roles = { A: 1, B: 3, B2: L - 3, END: L - 1 };
    prompts.push({
      id: `${name}#${i}`, text: '', tokens, answer: `t${a}`, answerId: a, distractors: [`t${b}`], distractorIds: [b], roles,
      corrupted: { text: '', tokens: corrupted, answer: `t${b}`, answerId: b, roles: { ...roles } },
    });
  }
  return { name, kind: 'synthetic', prompts, roleNames: ['A', 'B', 'B2', 'END'], provenance: { prependBos: false } };
}
