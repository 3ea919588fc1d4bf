/** Random controls in every report: terminal lines, verbose metrics, diff, the HTML page. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/plan/events.js';
import { summarize, type ClaimResult, type RunResults, type SpecResult } from '../../src/plan/results.js';
import { diffResults, formatDiff } from '../../src/report/diff.js';
import { renderReport } from '../../src/report/html.js';
import { REPORTERS, type Output } from '../../src/report/index.js';
import { sampleSpec } from './sample.js';

const at = { file: 'specs/x.spec.yaml', line: 9, column: 3 };
const acc = { kind: 'accuracy', unit: 'fraction correct' };

function withControl(mean: number, sd: number): SpecResult {
  const spec = sampleSpec();
  const values = [mean - sd, mean, mean + sd];
  spec.metrics.ctrl = {
    name: 'ctrl', ms: 1,
    request: { kind: 'accuracy', task: 't', control: { samples: [[], [], []] } },
    value: { type: 'distribution', values, mean, sd, heads: [['1.0', '2.3'], ['0.1', '3.3'], ['2.2', '3.0']] },
  };
  const measured = { type: 'distribution' as const, value: mean, sd, values };
  const claims: ClaimResult[] = [
    {
      name: 'control_mean', assert: 'mean(ctrl) == 0.499 ± 0.02', verdict: 'pass', tags: [], at, ms: 2,
      measured, expected: '== 0.499 ± 0.02', headline: 0,
      checks: [{ text: 'mean(ctrl) == 0.499 ± 0.02', measured, quantity: { kind: 'mean accuracy', unit: 'fraction correct, over 3 random head sets' }, op: '==', expected: { type: 'number', value: 0.499 }, tol: { abs: 0.02 }, pass: true }],
    },
    {
      name: 'beats_control', assert: 'below(blocked, ctrl, 3)', verdict: 'pass', tags: [], at: { ...at, line: 10 }, ms: 2,
      measured: { type: 'number', value: 0.35 }, expected: '< 0.469 = control 0.499 ± 0.01 (3 samples) − 3 sd; z = -14.9', headline: 0,
      checks: [{
        text: 'below(blocked, ctrl, 3)', measured: { type: 'number', value: 0.35 }, quantity: acc, op: '<', expected: { type: 'number', value: 0.469 },
        control: { mean: 0.499, sd: 0.01, samples: 3, k: 3, z: -14.9 }, pass: true,
      }],
    },
  ];
  spec.claims = claims;
  return spec;
}
const wrap = (s: SpecResult): RunResults => ({ version: 1, specs: [s], summary: summarize([s]), durationMs: 1 });

function report(name: string, spec: SpecResult): string {
  let out = '';
  const io: Output = { out: (t) => void (out += t), err: () => undefined, color: false, isTTY: false };
  const r = new REPORTERS[name](io);
  const evs: RunEvent[] = [{ type: 'spec-end', result: spec }, { type: 'run-end', results: wrap(spec) }];
  evs.forEach((e) => r.onEvent(e));
  return out;
}

describe('random controls in reports', () => {
  it('terminal: mean ± sd (n samples), and the control and z-score beside a beats/below claim', () => {
    const lines = report('default', withControl(0.499, 0.01)).split('\n');
    expect(lines).toContain('   ✓ control_mean  0.499 ± 0.01 (3 samples) mean accuracy [fraction correct, over 3 random head sets] (expected == 0.499 ± 0.02) 2ms');
    expect(lines).toContain('   ✓ beats_control  0.35 accuracy [fraction correct] (expected < 0.469 = control 0.499 ± 0.01 (3 samples) − 3 sd; z = -14.9) 2ms');
    expect(report('verbose', withControl(0.499, 0.01))).toContain('metric ctrl = 0.499 ± 0.01 (3 samples) accuracy [fraction correct, over 3 random head sets]');
  });

  it('diff: a control moves when its mean or sd moves, not within tolerance', () => {
    const moved = diffResults(wrap(withControl(0.499, 0.01)), wrap(withControl(0.45, 0.03)));
    expect(moved.find((e) => e.item === 'metric ctrl')?.detail).toBe('0.499 ± 0.01 (3 samples) → 0.45 ± 0.03 (3 samples)');
    expect(moved.find((e) => e.item === 'claim control_mean')?.detail).toBe('0.499 ± 0.01 (3 samples) → 0.45 ± 0.03 (3 samples)');
    expect(formatDiff(moved)).toContain('metric ctrl');
    expect(diffResults(wrap(withControl(0.499, 0.01)), wrap(withControl(0.499, 0.01))).filter((e) => e.kind === 'moved')).toEqual([]);
  });

  it('HTML: the control among the scalar metrics, each sample on hover; the claim with its control', () => {
    const html = renderReport(wrap(withControl(0.499, 0.01)));
    expect(html).toContain('<b>0.499 ± 0.01 (3 samples)</b>');
    expect(html).toContain('{1.0, 2.3}: 0.489');
    expect(html).toContain('control 0.499 ± 0.01 (3 samples) − 3 sd; z = -14.9');
  });
});
