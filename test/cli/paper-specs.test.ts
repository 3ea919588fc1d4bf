/**
 * The paper's specs run end to end in CI: on random:gpt2-medium-narrow (GPT-2 medium's 24 layers × 16 heads and
 * vocabulary at d_model 64) with --limit 4, every step runs and every claim gets a value. Verdicts on random
 * weights are not judged; the exit code must say "claims failed" (1) or "all passed" (0), never "input error" (2).
 * A spec with several models (model-comparison: GPT-2 medium, large, XL) runs each of them on that one source.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunResults } from '../../src/plan/results.js';
import type { Output } from '../../src/report/index.js';

describe('specs/paper on random:gpt2-medium-narrow', () => {
  it('every spec runs with --limit 4, every claim gets a value, exit 0 or 1', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'circuitspec-paper-')), 'results.json');
    let err = '';
    const io: Output = { out: () => undefined, err: (t) => void (err += t), color: false, isTTY: false };
    const code = await main(['run', 'specs/paper', '--model', 'random:gpt2-medium-narrow', '--limit', '4', '--out', out], io);
    expect([0, 1], err).toContain(code);
    const r = JSON.parse(readFileSync(out, 'utf8')) as RunResults;
    expect(r.specs.map((s) => s.name).sort()).toEqual(['circuit-reuse', 'colored-objects-repair', 'model-comparison']);
    for (const s of r.specs) {
      expect(s.error, s.name).toBeUndefined();
      expect(s.provenance.limit).toBe(4);
      for (const c of s.claims) {
        expect(c.verdict, `${s.name} > ${c.name}: ${c.message ?? ''}`).not.toBe('error');
        // A skipped claim gets no value by design, and must say why.
        if (c.verdict === 'skip') expect(c.reason, `${s.name} > ${c.name}`).toBeTruthy();
        else expect(c.checks.length, `${s.name} > ${c.name}`).toBeGreaterThan(0);
      }
    }
    // The paper's method reached the runtime: gap-percent tables with the sender rules' NaN holes.
    const movers = r.specs.find((s) => s.name === 'circuit-reuse')!.metrics.ioi_movers.value;
    expect(movers.type === 'heads' && movers.normalization).toBe('gap_percent');
    // Several models (Appendix I): --model replaces each of them; every model ran and is in the provenance.
    const cmp = r.specs.find((s) => s.name === 'model-comparison')!;
    expect(Object.keys(cmp.provenance.models!)).toEqual(['medium', 'large', 'xl']);
    expect(Object.values(cmp.provenance.models!).map((m) => m.source)).toEqual(Array(3).fill('random:gpt2-medium-narrow'));
    expect(cmp.warnings).toContain('--model random:gpt2-medium-narrow replaced all 3 models (medium, large, xl): claims comparing them compare one model with itself (--model name=source,… replaces them one by one)');
    expect(Object.keys(cmp.metrics).sort()).toEqual(['cobj_pp@large', 'cobj_pp@medium', 'cobj_pp@xl', 'ioi_pp@large', 'ioi_pp@medium', 'ioi_pp@xl']);
  }, 300_000);
});
