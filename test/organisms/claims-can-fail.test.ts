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

const verdicts = (res: { claims: { name: string; verdict: string }[] }): Record<string, string> =>
  Object.fromEntries(res.claims.map((c) => [c.name, c.verdict]));

// Claims about the circuit (path patching, attention, interventions), not the expensive circuit discovery.
const FILTER = '/solves_ioi|logit_difference|inhibition_heads_found|inhibition_heads_attend|layer0_heads_copy|inhibition_heads_needed/';

describe('organism specs can fail', () => {
  it('the IOI organism spec fails on a shuffled-weights copy of the organism', async () => {
    const model = await shuffledCopy('ioi-s', 7);
    const v = verdicts(await runSpec('specs/organisms/ioi-s.spec.yaml', { model, filter: FILTER }));
    expect(v.solves_ioi).toBe('fail');
    expect(v.inhibition_heads_attend_s2).toBe('fail');
    expect(v.layer0_heads_copy_first_clause_names).toBe('fail');
  });

  it('the IOI organism spec fails on the plateau organism (same shape, no IOI circuit)', async () => {
    const filter = `${FILTER.slice(0, -1)}|corrupted_run_prefers_s|layer0_effect_flows|inhibitors_keep_looking/`;
    const v = verdicts(await runSpec('specs/organisms/ioi-s.spec.yaml', { model: join(ORGANISMS, 'ioi-s-plateau'), filter }));
    expect(v.solves_ioi).toBe('fail');
    expect(v.logit_difference).toBe('fail');
    expect(v.inhibition_heads_found_by_path_patching).toBe('fail');
    // The corrupted side, mediation and metrics under interventions are about the circuit too.
    expect(v.corrupted_run_prefers_s).toBe('fail');
    expect(v.layer0_effect_flows_through_inhibitors).toBe('fail');
    expect(v.inhibitors_keep_looking_at_s2).toBe('fail');
  });

  it('the Colored Objects claims fail on ioi-s (same shape, never trained on Colored Objects)', async () => {
    const filter = '/cobj_above_chance|matcher_attends|question_inhibitors_attend|question_inhibitors_suppress|mover_2_3|matcher_is_used|cobj_corrupted_run|mover_writes/';
    const v = verdicts(await runSpec('specs/organisms/ioi-cobj-s.spec.yaml', { model: join(ORGANISMS, 'ioi-s'), filter }));
    expect(v.cobj_above_chance_imperfect).toBe('fail');
    expect(v.matcher_attends_the_asked_object).toBe('fail');
    expect(v.question_inhibitors_attend_the_other_objects).toBe('fail');
    // ioi-s never trained on the colour words: they share one logit, so path patching's normalisation (clean −
    // corrupted logit difference) is 0/0. A NaN table is an error naming it, not a silent failed comparison.
    expect(v.mover_2_3).toBe('error');
    expect(v.matcher_is_used).toBe('fail');
    expect(v.question_inhibitors_suppress).toBe('fail');
    expect(v.cobj_corrupted_run).toBe('fail');
    expect(v.mover_writes_what_the_matcher_found).toBe('fail');
  });

  it('the two-organism comparison fails when one of them is the plateau organism (--model cobj=…)', async () => {
    const model = `cobj=${join(ORGANISMS, 'ioi-s-plateau')}`;
    const v = verdicts(await runSpec('specs/organisms/ioi-s-vs-ioi-cobj-s.spec.yaml', { model, filter: '/both_solve_ioi|same_inhibition_heads/', workers: 1, limit: 40 }));
    expect(v).toEqual({ both_solve_ioi: 'fail', same_inhibition_heads: 'fail', both_prefer_io: 'skip', circuit_kept: 'skip' });
  });
});
