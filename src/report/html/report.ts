/**
 * One run's results as an HTML page: provenance, every claim (verdict, measured vs expected and what the number
 * is, description, source), a heatmap per per-head metric, circuits as their stages, attention between roles.
 */
import type { RunResults, SpecResult } from '../../plan/results.js';
import { summaryLine } from '../summary.js';
import { attentionSection } from './attention.js';
import { claimsTable } from './claims.js';
import { circuitDiagram } from './circuits.js';
import { metricHeatmaps, pictureId, scalarList } from './metrics.js';
import { htmlPage } from './page.js';
import { provenanceTable } from './provenance.js';
import { esc, slug } from './svg.js';
import { duration } from '../style.js';
import { summarize } from '../../plan/results.js';

function specSection(spec: SpecResult): string {
  const s = summarize([spec]);
  const circuits = Object.entries(spec.circuits).map(([name, c]) => circuitDiagram(name, c, spec.circuitStages?.[name], pictureId(spec.name, name)));
  const heatmaps = metricHeatmaps(spec);
  const scalars = scalarList(spec);
  return `<section class="spec" id="spec-${slug(spec.name)}"><h2>${esc(spec.name)} <span class="dim">${esc(spec.file)}</span></h2>`
    + `<p class="summary">${esc(summaryLine(s))} <span class="dim">· ${duration(spec.timings.totalMs)}</span></p>`
    + (spec.description ? `<p>${esc(spec.description.trim())}</p>` : '')
    + (spec.error ? `<p class="bad">${esc(spec.error)}</p>` : '')
    + `<details><summary>provenance: ${esc(spec.provenance.models ? Object.entries(spec.provenance.models).map(([n, m]) => `${n} ${m.source}`).join(', ') : spec.provenance.model.source)}, circuitspec ${esc(spec.provenance.packageVersion)}</summary>${provenanceTable([spec.provenance])}</details>`
    + `<h3>Claims</h3>${claimsTable(spec)}`
    + (heatmaps ? `<h3>Per-head metrics</h3>${heatmaps}` : '')
    + (circuits.length ? `<h3>Circuits</h3><div class="grid">${circuits.join('')}</div>` : '')
    + attentionSection(spec)
    + (scalars ? `<h3>Scalar metrics</h3><details><summary>${Object.values(spec.metrics).filter((m) => m.value.type === 'scalar' || m.value.type === 'distribution').length} values</summary>${scalars}</details>` : '')
    + '</section>';
}

export function renderReport(r: RunResults): string {
  const title = r.specs.length === 1 ? `circuitspec: ${r.specs[0].name}` : `circuitspec: ${r.specs.length} specs`;
  const nav = r.specs.length > 1 ? `<nav>${r.specs.map((s) => `<a href="#spec-${slug(s.name)}">${esc(s.name)}</a>`).join('')}</nav>` : '';
  const body = `<header><h1>${esc(title)}</h1><p class="summary">${esc(summaryLine(r.summary))} <span class="dim">· ${duration(r.durationMs)}</span></p>${nav}</header>`
    + r.specs.map((s) => specSection(s)).join('');
  return htmlPage(title, body);
}
