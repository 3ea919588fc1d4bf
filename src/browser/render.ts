/**
 * Results on the page: the claims as plain text, then the HTML report (src/report's, the page `--reporter html`
 * writes) in a sandboxed frame, with a link to save it. The one place the page shows a SpecResult.
 */
import { formatExpected, formatMeasured } from '../plan/format.js';
import { summarize, type SpecResult } from '../plan/results.js';
import { renderReport } from '../report/html.js';

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
  const html = renderReport({ version: 1, specs: [r], summary: summarize([r]), durationMs: r.timings.totalMs });
  const frame = document.createElement('iframe');
  frame.title = 'HTML report';
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.style.cssText = 'width:100%;height:80vh;border:1px solid #ccc';
  frame.srcdoc = html;
  const save = document.createElement('a');
  save.textContent = 'save the HTML report';
  save.download = `${r.name}.report.html`;
  save.href = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  out.replaceChildren(pre, save, frame);
}
