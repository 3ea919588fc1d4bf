/** Where results came from, as a table (one column per run when comparing). */
import type { Provenance } from '../../plan/results.js';
import { esc } from './svg.js';

/** One model's value, or with several models each one's, named. */
const perModel = (p: Provenance, get: (m: Provenance['model']) => string): string =>
  p.models ? Object.entries(p.models).map(([name, m]) => `${name}: ${get(m)}`).join('; ') : get(p.model);

const ROWS: [string, (p: Provenance) => string][] = [
  ['spec file', (p) => p.specFile],
  ['spec sha256', (p) => p.specSha256],
  ['model', (p) => perModel(p, (m) => m.source)],
  ['weights', (p) => perModel(p, (m) => m.weightHash)],
  ['processing', (p) => perModel(p, (m) => (typeof m.processing === 'string' ? m.processing : Object.entries(m.processing).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none'))],
  ['backend', (p) => perModel(p, (m) => m.backend)],
  ['circuitspec', (p) => `${p.packageVersion}${p.commit ? ` (commit ${p.commit.slice(0, 12)})` : ''}`],
  ['seeds', (p) => [`seed ${p.seed}`, ...Object.entries(p.taskSeeds).map(([t, s]) => `${t} ${s}`)].join(', ')],
  ['batch size', (p) => String(p.batchSize)],
  ['node, platform', (p) => `${p.node}, ${p.platform}`],
  ['started', (p) => p.startedAt],
];

export function provenanceTable(ps: Provenance[], labels?: string[]): string {
  const head = labels ? `<thead><tr><th></th>${labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr></thead>` : '';
  const rows = ROWS.map(([name, get]) => {
    const vals = ps.map(get);
    const differs = ps.length > 1 && name !== 'started' && new Set(vals).size > 1;
    return `<tr${differs ? ' class="bad"' : ''}><td>${name}${differs ? ' (differs)' : ''}</td>${vals.map((v) => `<td><code>${esc(v)}</code></td>`).join('')}</tr>`;
  });
  return `<table class="prov">${head}<tbody>${rows.join('')}</tbody></table>`;
}
