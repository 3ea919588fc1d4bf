// Untrained tokens: rows shared with other tokens are flagged; rows read from the file equal the full tensor's.
import { describe, expect, it } from 'vitest';
import { SafetensorsFile } from '../../../src/runtime/io/safetensors.js';
import { untrainedIds, untrainedWarnings } from '../../../src/runtime/tasks/untrained.js';
import type { PromptSet } from '../../../src/runtime/tasks/types.js';

describe('untrained tokens', () => {
  // Tokens 0..499 trained (distinct rows); 500..999 share one row, as the organisms' checkpoints write them.
  const row = (i: number) => (i < 500 ? [i, 2 * i + 1] : [0.5, 0.5]);
  const rows = (ids: number[]) => ids.map(row);

  it('flags exactly the tokens whose embedding row is shared', () => {
    expect(untrainedIds([3, 499, 600, 999, 600], 1000, rows)).toEqual(new Set([600, 999]));
    expect(untrainedIds([-1, 1000, 2.5], 1000, rows)).toEqual(new Set());
  });

  it('names the token and a prompt that uses it', () => {
    const set: PromptSet = {
      name: 't', kind: 'file', roleNames: ['END'], provenance: {},
      prompts: [
        { id: 't#0', text: 'x', tokens: [1], answer: ' a', answerId: 3, distractors: [' b'], distractorIds: [4], roles: { END: 0 }, meta: { line: 1 } },
        { id: 't#1', text: 'x', tokens: [1], answer: ' z', answerId: 700, distractors: [' b'], distractorIds: [4], roles: { END: 0 }, meta: { line: 2 } },
      ],
    };
    expect(untrainedWarnings(set, 1000, rows)).toEqual([
      `task 't': 1 answer/distractor token(s) share their embedding with other tokens, so the model never trained on them and their logits are meaningless: " z" (token 700, prompt t#1 (line 2))`,
    ]);
  });

  it('readRows reads single rows equal to the full tensor (F32 and F16 checkpoints)', async () => {
    for (const file of ['fixtures/tiny-gpt2/model.safetensors', 'fixtures/organisms/ioi-s/model.safetensors']) {
      const st = await SafetensorsFile.open(file);
      const name = [...st.tensors.keys()].find((n) => n.endsWith('wte.weight'))!;
      const [, d] = st.info(name).shape;
      const full = st.readFloat32(name);
      const [a, b] = st.readRows(name, [0, 17]);
      expect([...a]).toEqual([...full.subarray(0, d)]);
      expect([...b]).toEqual([...full.subarray(17 * d, 18 * d)]);
      expect(() => st.readRows(name, [st.info(name).shape[0]])).toThrow(/outside/);
      await st.close();
    }
  });
});
