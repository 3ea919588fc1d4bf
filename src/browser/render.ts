/**
 * Results on the page, as plain text. The one place the page shows a SpecResult: when the HTML report (the
 * report issue's `src/report` HTML reporter) lands, render it here instead, e.g.
 * `out.replaceChildren(iframeOf(renderHtmlReport(results)))`; nothing else in the page needs to change.
 */
import { formatExpected, formatMeasured } from '../plan/format.js';
import type { SpecResult } from '../plan/results.js';

const MARK: Record<string, string> = { pass: '✓', fail: '✗', xfail: '○ xfail', xpass: '! xpass', skip: '- skip', error: '✗ error' };

export function renderResults(r: SpecResult, out: HTMLElement): void {
  const m = r.provenance.model;
  const lines = [
    `${r.name}  (${r.file})`,
    `model ${m.source}, backend ${m.backend}${m.adapter ? ` on ${m.adapter}` : ''}, ${(r.timings.totalMs / 1000).toFixed(1)} s`,
    ...(r.error ? [`error: ${r.error}`] : []),
    '',
    ...r.claims.map((c) => {
      const checks = c.checks.map((k) => `      ${k.text}: got ${formatMeasured(k.measured)}, expected ${formatExpected(k)}`);
      return [`  ${MARK[c.verdict] ?? c.verdict} ${c.name}   ${c.assert}`, ...(c.message ? [`      ${c.message}`] : checks)].join('\n');
    }),
    '',
    `${r.claims.filter((c) => c.verdict === 'pass' || c.verdict === 'xfail').length} of ${r.claims.length} claims hold`,
  ];
  const pre = document.createElement('pre');
  pre.textContent = lines.join('\n');
  out.replaceChildren(pre);
}
