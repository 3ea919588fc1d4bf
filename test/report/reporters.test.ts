import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/plan/events.js';
import { summarize, type RunResults } from '../../src/plan/results.js';
import { sampleSpec } from './sample.js';
import { REPORTERS, summaryLine, type Output } from '../../src/report/index.js';
import { junitXml } from '../../src/report/junit.js';
import { ProgressBar } from '../../src/report/progress.js';

function run(name: string, events: RunEvent[], color = false): { out: string; err: string } {
  let out = '', err = '';
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color, isTTY: false };
  const r = new REPORTERS[name](io);
  events.forEach((e) => r.onEvent(e));
  return { out, err };
}

function events(): RunEvent[] {
  const spec = sampleSpec();
  const results: RunResults = { version: 1, specs: [spec], summary: summarize([spec]), durationMs: 1500 };
  return [{ type: 'spec-start', spec: 'paper', file: spec.file, claims: 5, steps: 3 }, { type: 'spec-end', result: spec }, { type: 'run-end', results }];
}

describe('reporters', () => {
  it('summary line is exactly "N passed, N failed" then non-zero extras', () => {
    expect(summaryLine({ passed: 3, failed: 0, skipped: 0, xfailed: 0, xpassed: 0, errors: 0 })).toBe('3 passed, 0 failed');
    expect(summaryLine({ passed: 1, failed: 2, skipped: 1, xfailed: 1, xpassed: 1, errors: 2 })).toBe('1 passed, 2 failed, 1 skipped, 1 xfailed, 1 xpassed, 2 errors');
  });

  it('default: a line per claim with measured vs expected, failures, summary', () => {
    const { out } = run('default', events());
    const lines = out.split('\n');
    expect(lines).toContain(' ✗ specs/x.spec.yaml (paper) 5 claims 1.23s');
    expect(lines).toContain('   ✓ good  0.937 (expected == 0.937 ± 0.02) 3ms');
    expect(lines).toContain('   ✗ bad  0.4 (expected >= 0.9) 3ms');
    expect(lines).toContain('   ↓ later  [skipped: not today]');
    expect(lines).toContain('   ○ known  0.1 (expected > 0.5) [expected to fail: random model] 3ms');
    expect(lines).toContain(' FAIL paper > bad specs/x.spec.yaml:6:3');
    expect(lines).toContain('1 passed, 1 failed, 1 skipped, 1 xfailed, 1 error');
    expect(out).not.toMatch(/\x1b\[/);
  });

  it('a value says what it is; a compound claim shows its failing part; verbose prints descriptions and every part', () => {
    const spec = sampleSpec();
    const acc = { kind: 'accuracy', unit: 'fraction of prompts' };
    spec.claims = [{
      name: 'override', assert: 'ld > 0 and acc == 0.75 ± 0.1', verdict: 'fail', tags: [], at: { file: 'x', line: 1, column: 1 }, ms: 2,
      description: 'Sending the heads to IO\n  hurts.',
      measured: { type: 'number', value: 0.2 }, expected: '== 0.75 ± 0.1', headline: 1,
      checks: [
        { text: 'ld > 0', measured: { type: 'number', value: 0.69 }, quantity: { kind: 'logit_diff', unit: 'logits' }, op: '>', expected: { type: 'number', value: 0 }, pass: true },
        { text: 'acc == 0.75 ± 0.1', measured: { type: 'number', value: 0.2 }, quantity: acc, op: '==', expected: { type: 'number', value: 0.75 }, tol: { abs: 0.1 }, pass: false },
      ],
    }];
    const results: RunResults = { version: 1, specs: [spec], summary: summarize([spec]), durationMs: 1 };
    spec.description = 'What the spec is for.';
    const evs: RunEvent[] = [{ type: 'spec-end', result: spec }, { type: 'run-end', results }];
    const line = '   ✗ override  0.2 accuracy [fraction of prompts] (expected == 0.75 ± 0.1) — fails at part 2 of 2: acc == 0.75 ± 0.1 2ms';
    expect(run('default', evs).out.split('\n')).toContain(line);
    expect(run('default', evs).out).not.toContain('Sending the heads');
    const verbose = run('verbose', evs).out.split('\n');
    expect(verbose).toContain('       Sending the heads to IO hurts.');
    expect(verbose).toContain('     about What the spec is for.');
    expect(verbose).toContain('       ✓ ld > 0: 0.69 logit_diff [logits] (expected > 0)');
    expect(verbose).toContain('       ✗ acc == 0.75 ± 0.1: 0.2 accuracy [fraction of prompts] (expected == 0.75 ± 0.1)');
  });

  it('verbose: also every metric and circuit', () => {
    const { out } = run('verbose', events());
    expect(out).toContain('metric acc = 0.5 (2 prompts) accuracy [fraction correct]');
    expect(out).toContain('metric pp = strongest: 0.1=-0.7, 0.0=0.2');
    expect(out).toContain('circuit c: mover {0.1}');
  });

  it('json: the whole results', () => {
    const parsed = JSON.parse(run('json', events()).out) as RunResults;
    expect(parsed.summary).toEqual({ passed: 1, failed: 1, skipped: 1, xfailed: 1, xpassed: 0, errors: 1 });
    expect(parsed.specs[0].provenance.specSha256).toBe('abc');
  });

  it('junit: testcases with failure/error/skipped, escaped', () => {
    const xml = junitXml(JSON.parse(run('json', events()).out) as RunResults);
    expect(xml).toContain('<testsuite name="paper" file="specs/x.spec.yaml" tests="5" failures="1" errors="1" skipped="2" time="1.234">');
    expect(xml).toContain('<failure message="acc &gt;= 0.9: got 0.4, expected &gt;= 0.9">bad &gt; 1</failure>');
    expect(xml).toContain('name="&lt;odd &amp; &quot;xml&quot;&gt;"');
    expect(xml).toContain('<skipped message="expected failure: random model"/>');
    expect(run('junit', events()).out).toBe(xml);
  });

  it('progress bar draws on a TTY only', () => {
    let err = '';
    const io = (isTTY: boolean): Output => ({ out: () => {}, err: (t) => void (err += t), color: false, isTTY });
    const evs: RunEvent[] = [
      { type: 'step-start', spec: 's', step: 'metric:pp', kind: 'metric', label: 'pp' },
      { type: 'step-progress', spec: 's', step: 'metric:pp', label: 'path patching', done: 1, total: 4 },
    ];
    evs.forEach((e) => new ProgressBar(io(false)).onEvent(e));
    expect(err).toBe('');
    const bar = new ProgressBar(io(true), 8);
    evs.forEach((e) => bar.onEvent(e));
    expect(err).toContain('s: path patching [██░░░░░░] 1/4');
  });
});
