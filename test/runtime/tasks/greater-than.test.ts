/** The Greater-Than task source (Hanna et al. 2023) and its prob_diff metric, against a direct computation. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpec } from '../../../src/cli/runner.js';
import { compileFile } from '../../../src/dsl/compile.js';
import { preflight } from '../../../src/runtime/executor/preflight.js';
import { loadModel } from '../../../src/runtime/model/index.js';
import { namedConfig } from '../../../src/runtime/model/config.js';
import { buildTask, checkTask, GT_NOUNS, greaterThanYears } from '../../../src/runtime/tasks/index.js';
import { gpt2Tokenizer } from '../../../src/runtime/tokenizer/index.js';

const tok = gpt2Tokenizer();
const gt = (n: number, seed: number) => buildTask('gt', { generator: 'greater_than', n, seed, corruption: 'year_01' }, tok);
const two = (y: number) => String(y).padStart(2, '0');

describe('greater_than prompts', () => {
  it('are deterministic by seed', () => {
    expect(gt(20, 3)).toEqual(gt(20, 3));
    expect(gt(20, 4).prompts.map((p) => p.text)).not.toEqual(gt(20, 3).prompts.map((p) => p.text));
  });

  it("tokenize as \" 17\" + \"YY\" with GPT-2's tokenizer; roles, answers, distractors and the 1701 baseline line up", () => {
    const { ids, years } = greaterThanYears(tok);
    expect(years).toEqual(Array.from({ length: 97 }, (_, k) => k + 2)); // every YY in 02..98 splits with GPT-2
    expect(ids).toEqual(Array.from({ length: 100 }, (_, y) => tok.encode(two(y))[0]));
    const set = gt(200, 1);
    checkTask(set, namedConfig('gpt2'), tok);
    const seen = new Set<number>();
    for (const p of set.prompts) {
      const yy = Number(String(p.meta!.year).slice(2));
      seen.add(yy);
      expect(yy >= 2 && yy <= 98).toBe(true);
      expect(GT_NOUNS).toContain(p.meta!.noun);
      expect(p.text).toBe(`The ${p.meta!.noun} lasted from the year 17${two(yy)} to the year 17`);
      expect(p.tokens).toEqual(tok.encode(p.text));
      expect(tok.decode([p.tokens[p.roles.XX1]])).toBe(' 17');
      expect(tok.decode([p.tokens[p.roles.YY]])).toBe(two(yy));
      expect(tok.decode([p.tokens[p.roles.END]])).toBe(' 17');
      expect(tok.decode([p.tokens[p.roles.NOUN]])).toBe(tok.decode([tok.encode(` ${p.meta!.noun}`)[0]]));
      expect(p.answerIds).toEqual(ids.slice(yy + 1));
      expect(p.distractorIds).toEqual(ids.slice(0, yy + 1).reverse());
      expect(p.distractors[0]).toBe(two(yy));
      const c = p.corrupted!;
      expect(c.text).toBe(p.text.replace(`17${two(yy)} to`, '1701 to'));
      expect(c.tokens.filter((t, i) => t !== p.tokens[i])).toEqual([ids[1]]);
    }
    expect(seen.size).toBeGreaterThan(60);
  });
});

describe('prob_diff', () => {
  it('is P(year > YY) − P(year ≤ YY) at END, as computed directly from the logits (also through an intervention)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'circuitspec-gt-'));
    const file = join(dir, 'gt.spec.yaml');
    writeFileSync(file, `name: gt
model: {source: random:tiny}
tasks:
  gt: {source: greater_than, n: 6, seed: 2, corruption: year_01}
interventions:
  zero: {type: ablate, method: zero, heads: "{0.1, 1.2}"}
metrics:
  pd: {kind: prob_diff, task: gt}
expect:
  a: {assert: "pd > -1 and pd < 1 and prob_diff(gt, with=zero) > -1"}
`);
    expect((await preflight(compileFile(file))).warnings).toEqual([]); // "17" + "32" needs no leading space
    const r = await runSpec(file, { backend: 'cpu' });
    expect(r.error).toBeUndefined();
    const model = await loadModel('random:tiny', { backend: 'cpu' });
    try {
      const set = buildTask('gt', { generator: 'greater_than', n: 6, seed: 2, corruption: 'year_01' }, model.tokenizer);
      let sum = 0;
      for (const p of set.prompts) {
        const { logits } = await model.runWithHooks([p.tokens], { logitsAt: 'last' });
        const row = Array.from(await logits.data());
        logits.dispose();
        const max = Math.max(...row);
        const z = row.reduce((a, x) => a + Math.exp(x - max), 0);
        const prob = (id: number) => Math.exp(row[id] - max) / z;
        const yy = Number(String(p.meta!.year).slice(2));
        const { ids } = greaterThanYears(model.tokenizer);
        sum += ids.filter((_, y) => y > yy).reduce((a, id) => a + prob(id), 0) - ids.filter((_, y) => y <= yy).reduce((a, id) => a + prob(id), 0);
      }
      const v = r.metrics.pd.value;
      if (v.type !== 'scalar') throw new Error('not a scalar');
      expect(v.value).toBeCloseTo(sum / set.prompts.length, 6);
      expect(Math.abs(v.value)).toBeGreaterThan(1e-6); // not vacuously 0
      const ablated = Object.values(r.metrics).find((m) => m.name.includes('with=zero'))!.value;
      expect(ablated.type === 'scalar' && ablated.value).not.toBe(v.value);
    } finally {
      model.dispose();
    }
  });
});
