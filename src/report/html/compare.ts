/**
 * Two or more results files on one page: provenance side by side (what differs marked), every claim's verdict and
 * value per run, what moved (the `diff` entries against the first run), and per-head metrics as the first run's
 * heatmap followed by each other run's difference from it.
 */
import type { RunResults, SpecResult } from '../../plan/results.js';
import { formatQuantity, requestQuantity } from '../../plan/quantity.js';
import { diffResults, type DiffEntry } from '../diff.js';
import { summaryLine } from '../summary.js';
import { measuredCell, verdictBadge } from './claims.js';
import { heatmap } from './heatmap.js';
import { claimHeads } from './metrics.js';
import { htmlPage } from './page.js';
import { provenanceTable } from './provenance.js';
import { esc, slug } from './svg.js';

export interface LabelledRun { label: string; results: RunResults }

function claimsSideBySide(name: string, specs: (SpecResult | undefined)[], labels: string[]): string {
  const names = [...new Set(specs.flatMap((s) => s?.claims.map((c) => c.name) ?? []))];
  const rows = names.map((n) => {
    const cs = specs.map((s) => s?.claims.find((c) => c.name === n));
    const changed = new Set(cs.map((c) => c?.verdict ?? 'none')).size > 1;
    const assert = cs.find(Boolean)!.assert;
    return `<tr${changed ? ' class="changed"' : ''} data-claim="${esc(n)}"><td><b>${esc(n)}</b>${changed ? ' <span class="bad">verdict changed</span>' : ''}<div><code>${esc(assert)}</code></div></td>`
      + cs.map((c) => `<td>${verdictBadge(c)}${c ? `<div>${measuredCell(c)}</div>` : ''}</td>`).join('') + '</tr>';
  });
  return `<table class="claims side" id="claims-${slug(name)}"><thead><tr><th>claim</th>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function moved(entries: DiffEntry[]): string {
  if (!entries.length) return '<li class="dim">no differences</li>';
  return entries.map((e) => `<li class="${e.kind === 'newly-failing' ? 'bad' : e.kind === 'newly-passing' ? 'ok' : ''}"><b>${e.kind}</b> ${esc(e.item)}`
    + `${e.before || e.after ? ` ${esc(e.before ?? '—')} → ${esc(e.after ?? '—')}` : ''}${e.detail ? `: ${esc(e.detail)}` : ''}</li>`).join('');
}

function differenceMaps(specs: (SpecResult | undefined)[], labels: string[]): string {
  const base = specs[0];
  if (!base) return '';
  const out: string[] = [];
  for (const m of Object.values(base.metrics)) {
    if (m.value.type !== 'heads') continue;
    const a = m.value;
    const q = formatQuantity(requestQuantity(m.request));
    const maps = [heatmap(a.values, { title: `${m.name}: ${labels[0]}`, subtitle: q, outline: claimHeads(base, m.name) })];
    specs.slice(1).forEach((s, i) => {
      const b = s?.metrics[m.name]?.value;
      if (!s || !b || b.type !== 'heads' || b.nLayers !== a.nLayers || b.nHeads !== a.nHeads) return;
      const d = b.values.map((row, l) => row.map((v, h) => v - a.values[l][h]));
      maps.push(heatmap(d, { title: `${m.name}: ${labels[i + 1]} − ${labels[0]}`, subtitle: `difference of ${q}`, outline: claimHeads(s, m.name) }));
    });
    out.push(`<div class="grid compare-row">${maps.join('')}</div>`);
  }
  return out.length ? `<h3>Per-head metrics and their differences</h3>${out.join('')}<p class="dim">Difference maps: red where the later run is higher, blue where lower, white where unchanged.</p>` : '';
}

export function renderComparison(runs: LabelledRun[]): string {
  const labels = runs.map((r) => r.label);
  const specNames = [...new Set(runs.flatMap((r) => r.results.specs.map((s) => s.name)))];
  const sections = specNames.map((name) => {
    const specs = runs.map((r) => r.results.specs.find((s) => s.name === name));
    const provs = specs.filter((s): s is SpecResult => !!s);
    const movedLists = runs.slice(1).map((r, i) => {
      const entries = diffResults(runs[0].results, r.results).filter((e) => e.spec === name);
      return `<h4>${esc(labels[0])} → ${esc(labels[i + 1])}</h4><ul class="moved">${moved(entries)}</ul>`;
    }).join('');
    return `<section class="spec" id="spec-${slug(name)}"><h2>${esc(name)}</h2>`
      + `<h3>Provenance</h3>${provenanceTable(provs.map((s) => s.provenance), specs.flatMap((s, i) => (s ? [labels[i]] : [])))}`
      + `<h3>What moved</h3>${movedLists}`
      + `<h3>Claims</h3>${claimsSideBySide(name, specs, labels)}`
      + differenceMaps(specs, labels) + '</section>';
  });
  const title = `circuitspec: ${labels.join(' vs ')}`;
  const header = `<header><h1>${esc(title)}</h1>${runs.map((r) => `<p class="summary"><b>${esc(r.label)}</b>: ${esc(summaryLine(r.results.summary))}</p>`).join('')}</header>`;
  return htmlPage(title, header + sections.join(''));
}
