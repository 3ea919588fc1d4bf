/**
 * A layers × heads heatmap as inline SVG: one <rect> per head (its value in a <title>, shown on hover, and in
 * data attributes), layer rows top to bottom, a colour legend, and chosen heads outlined.
 */
import { absMax, diverging, inkFor, sequential } from './colour.js';
import { esc, short } from './svg.js';

export interface HeatmapOptions {
  title: string;
  /** Element id, for links from the claims that read it. */
  id?: string;
  /** What a cell's number is (metric kind and unit), printed under the title. */
  subtitle?: string;
  /** Heads to outline ('layer.head'). */
  outline?: Iterable<string>;
  /** 'diverging' (signed, centred at 0; default) or 'sequential' (0–1). */
  scale?: 'diverging' | 'sequential';
  /** Print the value inside cells when they are big enough (default true). */
  labels?: boolean;
  /** Extra text for each cell's tooltip, after the value. */
  note?: (layer: number, head: number) => string | undefined;
}

export function heatmap(values: number[][], o: HeatmapOptions): string {
  const nLayers = values.length, nHeads = values[0]?.length ?? 0;
  const cell = Math.max(12, Math.min(48, Math.floor(560 / Math.max(1, nHeads))));
  const left = 34, top = 20, legendH = 34;
  const w = left + nHeads * cell + 8, h = top + nLayers * cell + legendH;
  const max = o.scale === 'sequential' ? 1 : absMax(values);
  const colour = (v: number) => (o.scale === 'sequential' ? sequential(v) : diverging(v, max));
  const strength = (v: number) => (o.scale === 'sequential' ? v : Math.abs(v) / max);
  const outlined = new Set(o.outline ?? []);
  const parts: string[] = [];
  for (let hd = 0; hd < nHeads; hd++) parts.push(`<text x="${left + hd * cell + cell / 2}" y="${top - 6}" class="ax" text-anchor="middle">${hd}</text>`);
  values.forEach((row, l) => {
    const y = top + l * cell;
    parts.push(`<text x="${left - 6}" y="${y + cell / 2 + 4}" class="ax" text-anchor="end">${l}</text>`);
    row.forEach((v, hd) => {
      const x = left + hd * cell;
      const name = `${l}.${hd}`;
      const note = o.note?.(l, hd);
      parts.push(`<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${colour(v)}" data-head="${name}" data-value="${Number.isFinite(v) ? v : 'NaN'}"><title>${name}: ${Number.isFinite(v) ? short(v) : 'not computed'}${note ? ` — ${esc(note)}` : ''}</title></rect>`);
      if (o.labels !== false && cell >= 32 && Number.isFinite(v)) {
        parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 3}" class="val" text-anchor="middle" fill="${inkFor(strength(v))}">${cellLabel(v)}</text>`);
      }
    });
  });
  // Outlines drawn last so neighbouring cells do not paint over them.
  values.forEach((row, l) => row.forEach((_, hd) => {
    if (outlined.has(`${l}.${hd}`)) parts.push(`<rect class="outline" x="${left + hd * cell + 1}" y="${top + l * cell + 1}" width="${cell - 2}" height="${cell - 2}" data-outline="${l}.${hd}"/>`);
  }));
  parts.push(legend(left, top + nLayers * cell + 10, Math.max(120, Math.min(nHeads * cell, 240)), o.scale === 'sequential' ? [0, 1] : [-max, max], o.scale ?? 'diverging'));
  return `<figure class="heatmap"${o.id ? ` id="${esc(o.id)}"` : ''}><figcaption><b>${esc(o.title)}</b>${o.subtitle ? `<br><span class="dim">${esc(o.subtitle)}</span>` : ''}</figcaption>`
    + `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(o.title)}: layers × heads">`
    + `<text x="2" y="${top - 6}" class="ax">L\\H</text>${parts.join('')}</svg></figure>`;
}

/** Two decimals fit a cell; the tooltip has more. */
const cellLabel = (v: number): string => {
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

/** The page defines the two scales' gradients once (GRADIENTS); a legend is one rect filled with one of them. */
export const GRADIENTS = (() => {
  const stops = (f: (t: number) => string) => Array.from({ length: 9 }, (_, i) => `<stop offset="${i / 8}" stop-color="${f(i / 8)}"/>`).join('');
  return `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>`
    + `<linearGradient id="cs-diverging">${stops((t) => diverging(2 * t - 1, 1))}</linearGradient>`
    + `<linearGradient id="cs-sequential">${stops(sequential)}</linearGradient></defs></svg>`;
})();

function legend(x: number, y: number, width: number, [lo, hi]: [number, number], scale: 'diverging' | 'sequential'): string {
  const stops = `<rect x="${x}" y="${y}" width="${width}" height="8" fill="url(#cs-${scale})" stroke="#ccc" stroke-width="0.5"/>`;
  const mid = lo < 0 ? `<text x="${x + width / 2}" y="${y + 20}" class="ax" text-anchor="middle">0</text>` : '';
  return `<g class="legend">${stops}<text x="${x}" y="${y + 20}" class="ax">${short(lo)}</text>${mid}<text x="${x + width}" y="${y + 20}" class="ax" text-anchor="end">${short(hi)}</text></g>`;
}
