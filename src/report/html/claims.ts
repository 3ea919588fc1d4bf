/** The claims of one spec as an HTML table: verdict, measured vs expected with what the number is, parts, source. */
import { formatMeasured } from '../../plan/format.js';
import { formatQuantity } from '../../plan/quantity.js';
import type { Check, ClaimResult, SpecResult } from '../../plan/results.js';
import { SYMBOL } from '../style.js';
import { pictureId } from './metrics.js';
import { esc } from './svg.js';

const WORD: Record<ClaimResult['verdict'], string> = { pass: 'pass', fail: 'fail', error: 'error', xpass: 'unexpected pass', xfail: 'expected fail', skip: 'skipped' };

export function verdictBadge(c: ClaimResult | undefined): string {
  if (!c) return '<span class="badge none">—</span>';
  return `<span class="badge ${c.verdict}" title="${WORD[c.verdict]}">${SYMBOL[c.verdict]} ${WORD[c.verdict]}</span>`;
}

/** One part of a compound claim: its text (which holds the expectation), then what was measured. */
const part = (k: Check, headline: boolean): string =>
  `<li class="${k.pass ? 'ok' : 'bad'}${headline ? ' headline' : ''}">${k.pass ? '✓' : '✗'} <code>${esc(k.text)}</code> `
  + `<span class="got">got <b>${esc(formatMeasured(k.measured))}</b>${k.quantity ? ` <span class="q">${esc(formatQuantity(k.quantity))}</span>` : ''}</span></li>`;

/** Measured and expected of the headline comparison, with its quantity. */
export function measuredCell(c: ClaimResult): string {
  if (c.verdict === 'skip') return `<span class="dim">${esc(c.reason ?? 'skipped')}</span>`;
  if (!c.measured) return `<span class="bad">${esc(c.message ?? '')}</span>`;
  const k = c.checks[c.headline ?? 0];
  return `<b>${esc(formatMeasured(c.measured))}</b>${k?.quantity ? ` <span class="q">${esc(formatQuantity(k.quantity))}</span>` : ''}`
    + `<br><span class="dim">expected ${esc(c.expected ?? '')}</span>`;
}

/** Links to the pictures of what the claim reads (per-head metrics and circuits are drawn). */
function readsLinks(spec: SpecResult, c: ClaimResult): string {
  const drawn = (n: string) => spec.metrics[n]?.value.type === 'heads' || n in spec.circuits;
  const links = (c.reads ?? []).filter(drawn).map((n) => `<a href="#${pictureId(spec.name, n)}">${esc(n)}</a>`);
  return links.length ? `<div class="dim">see ${links.join(', ')}</div>` : '';
}

export function claimsTable(spec: SpecResult): string {
  const rows = [...spec.claims].sort((a, b) => a.at.line - b.at.line).map((c) => {
    // A compound claim shows each part (the one its verdict came from in bold) instead of one headline.
    const compound = c.checks.length > 1;
    const value = compound ? `<ul class="parts">${c.checks.map((k, i) => part(k, i === (c.headline ?? 0))).join('')}</ul>` : measuredCell(c);
    const why = c.verdict === 'xfail' || c.verdict === 'xpass' ? `<div class="dim">expected to fail${c.reason ? `: ${esc(c.reason)}` : ''}</div>` : '';
    // A failed comparison's numbers are already in the cell; the message adds only errors and unexpected passes.
    const message = c.message && (c.verdict === 'xpass' || (c.verdict === 'error' && c.measured)) ? `<div class="bad">${esc(c.message)}</div>` : '';
    return `<tr id="claim-${esc(spec.name)}-${esc(c.name)}" data-verdict="${c.verdict}"><td>${verdictBadge(c)}</td><td><b>${esc(c.name)}</b>`
      + `${c.tags.length ? `<div class="dim">#${c.tags.map(esc).join(' #')}</div>` : ''}</td>`
      + `<td>${value}${why}${message}</td>`
      + `<td>${c.description ? `<p>${esc(c.description.trim())}</p>` : ''}<code>${esc(c.assert)}</code>${readsLinks(spec, c)}`
      + `<div class="dim">${esc(`${c.at.file}:${c.at.line}`)}${c.ref ? ` · paper: ${esc(c.ref)}` : ''}</div></td></tr>`;
  });
  return `<table class="claims"><thead><tr><th>verdict</th><th>claim</th><th>measured</th><th>what it says</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
