/** JUnit XML (one testsuite per spec, one testcase per claim) for CI dashboards. */
import type { RunEvent } from '../plan/events.js';
import type { RunResults } from '../plan/results.js';
import type { Output, Reporter } from './types.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
const secs = (ms: number) => (ms / 1000).toFixed(3);

export function junitXml(r: RunResults): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const s = r.summary;
  lines.push(`<testsuites name="circuitspec" tests="${s.passed + s.failed + s.skipped + s.xfailed + s.xpassed + s.errors}" failures="${s.failed + s.xpassed}" errors="${s.errors}" time="${secs(r.durationMs)}">`);
  for (const spec of r.specs) {
    const count = (v: string[]) => spec.claims.filter((c) => v.includes(c.verdict)).length;
    lines.push(`  <testsuite name="${esc(spec.name)}" file="${esc(spec.file)}" tests="${spec.claims.length}" failures="${count(['fail', 'xpass'])}" errors="${count(['error']) + (spec.error ? 1 : 0)}" skipped="${count(['skip', 'xfail'])}" time="${secs(spec.timings.totalMs)}">`);
    // Several models: which checkpoint each name ran (one model is in the results file's provenance).
    const models = Object.entries(spec.provenance.models ?? {});
    if (models.length) lines.push(`    <properties>${models.map(([n, m]) => `<property name="model.${esc(n)}" value="${esc(`${m.source} ${m.weightHash}`)}"/>`).join('')}</properties>`);
    if (spec.error) lines.push(`    <system-err>${esc(spec.error)}</system-err>`);
    for (const c of spec.claims) {
      const open = `    <testcase classname="${esc(spec.name)}" name="${esc(c.name)}" file="${esc(c.at.file)}" line="${c.at.line}" time="${secs(c.ms)}"`;
      const body =
        c.verdict === 'fail' || c.verdict === 'xpass' ? `<failure message="${esc(c.message ?? 'failed')}">${esc(c.assert)}</failure>`
        : c.verdict === 'error' ? `<error message="${esc(c.message ?? 'error')}">${esc(c.assert)}</error>`
        : c.verdict === 'skip' || c.verdict === 'xfail' ? `<skipped message="${esc(c.verdict === 'xfail' ? `expected failure${c.reason ? `: ${c.reason}` : ''}` : c.reason ?? 'skipped')}"/>`
        : '';
      lines.push(body ? `${open}>${body}</testcase>` : `${open}/>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

export class JunitReporter implements Reporter {
  constructor(private readonly io: Output) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'run-end') this.io.out(junitXml(e.results));
  }
}
