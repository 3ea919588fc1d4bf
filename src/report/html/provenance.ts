/** Where results came from, as a table (one column per run when comparing). */
import type { Provenance } from '../../plan/results.js';
import { esc } from './svg.js';

const ROWS: [string, (p: Provenance) => string][] = [
  ['spec file', (p) => p.specFile],
  ['spec sha256', (p) => p.specSha256],
  ['model', (p) => p.model.source],
  ['weights', (p) => p.model.weightHash],
  ['processing', (p) => (typeof p.model.processing === 'string' ? p.model.processing : Object.entries(p.model.processing).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none')],
  ['backend', (p) => p.model.backend],
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
