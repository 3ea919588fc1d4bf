// The organism specs' claims are about the trained circuits, not numbers that always hold: run on a copy of the
// organism with its weights shuffled (and on the untrained-circuit plateau organism), they fail.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/runtime/backend.js';
import { SafetensorsFile, writeSafetensors, type WritableTensor } from '../../src/runtime/io/safetensors.js';
import { makeRng } from '../../src/runtime/util/rng.js';
import { runSpec } from '../../src/cli/runner.js';

const ORGANISMS = 'fixtures/organisms';
const dir = mkdtempSync(join(tmpdir(), 'organism-shuffled-'));

/** A copy of an organism folder whose every tensor has its values permuted (same shapes, same value histogram). */
async function shuffledCopy(name: string, seed: number): Promise<string> {
  const src = join(ORGANISMS, name);
  const out = join(dir, name);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(out, { recursive: true });
  for (const f of ['config.json', 'vocab.json', 'merges.txt']) copyFileSync(join(src, f), join(out, f));
  const st = await SafetensorsFile.open(join(src, 'model.safetensors'));
  const rng = makeRng(seed);
  const tensors: Record<string, WritableTensor> = {};
  for (const [key, info] of st.tensors) {
    const data = st.readFloat32(key);
    for (let i = data.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [data[i], data[j]] = [data[j], data[i]];
    }
    tensors[key] = { dtype: 'F32', shape: info.shape, data };
  }
  await st.close();
  await writeSafetensors(join(out, 'model.safetensors'), tensors);
  return out;
}

beforeAll(() => initBackend('wasm'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('organism specs can fail', () => {
  it('the plateau spec fails on a shuffled-weights copy', async () => {
    const model = await shuffledCopy('ioi-s-plateau', 7);
    const res = await runSpec('specs/organisms/ioi-s-plateau.spec.yaml', { model });
    const verdicts = Object.fromEntries(res.claims.map((c) => [c.name, c.verdict]));
    // The attention-pattern and causal claims describe the trained heads; a shuffled copy has none of them.
    expect(verdicts.copy_heads_split_between_first_clause_names).toBe('fail');
    expect(verdicts.copying_follows_attention_io).toBe('fail');
    // On the organism itself every claim holds (or fails as expected).
    const own = await runSpec('specs/organisms/ioi-s-plateau.spec.yaml');
    expect(own.claims.filter((c) => c.verdict === 'fail' || c.verdict === 'error' || c.verdict === 'xpass')).toEqual([]);
  });
});
