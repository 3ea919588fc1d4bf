/**
 * Each circuit drawn as its stages: a column of heads per stage (boxes coloured by their path-patching score),
 * columns ordered from the logits back to the earliest senders, an arrow from each stage to what it writes into.
 */
import type { Circuit, StageInfo } from '../../plan/results.js';
import { absMax, diverging, inkFor } from './colour.js';
import { esc, short } from './svg.js';

interface Column { title: string; sub: string; heads: { name: string; score: number }[]; into?: string; receivers: number[] }

function columns(c: Circuit, stages: StageInfo[] | undefined): Column[] {
  const byStage = (name: string) => c.heads.filter((h) => h.stage === name).map((h) => ({ name: `${h.layer}.${h.head}`, score: h.score }));
  if (!stages?.length) {
    // Declared circuits: one column per role, no arrows (nothing was patched).
    const roles = [...new Set(c.heads.map((h) => h.role))];
    return roles.map((r) => ({ title: r, sub: 'declared', heads: c.heads.filter((h) => h.role === r).map((h) => ({ name: `${h.layer}.${h.head}`, score: NaN })), receivers: [] }));
  }
  const depth = new Map<string, number>();
  const depthOf = (s: StageInfo, seen = new Set<string>()): number => {
    if (depth.has(s.name)) return depth.get(s.name)!;
    if (seen.has(s.name)) return 1;
    seen.add(s.name);
    const parents = s.receiverStages.map((n) => stages.find((x) => x.name === n)).filter((x): x is StageInfo => !!x);
    const d = s.into === 'logits' ? 1 : 1 + Math.max(0, ...parents.map((p) => depthOf(p, seen)));
    depth.set(s.name, d);
    return d;
  };
  stages.forEach((s) => depthOf(s));
  // Deepest (earliest senders) on the left, the logits on the right.
  const order = [...stages].sort((a, b) => depth.get(b.name)! - depth.get(a.name)!);
  const cols: Column[] = order.map((s) => ({ title: s.name, sub: s.role, heads: byStage(s.name), into: s.into, receivers: [] }));
  const logits = stages.some((s) => s.into === 'logits');
  if (logits) cols.push({ title: 'logits', sub: '', heads: [], receivers: [] });
  order.forEach((s, i) => {
    cols[i].receivers = s.into === 'logits' ? [cols.length - 1] : s.receiverStages.map((n) => order.findIndex((x) => x.name === n)).filter((j) => j >= 0);
    if (s.into !== 'logits' && s.receiverHeads.length) cols[i].sub += ` → also ${s.receiverHeads.join(', ')}`;
  });
  return cols;
}

/** `id` is the figure's id (and makes the arrow marker's id unique in the page). */
export function circuitDiagram(name: string, c: Circuit, stages: StageInfo[] | undefined, id: string): string {
  const cols = columns(c, stages);
  const colW = 270, boxH = 24, gap = 6, top = 44;
  const tallest = Math.max(1, ...cols.map((k) => k.heads.length));
  const w = cols.length * colW + 20, h = top + tallest * (boxH + gap) + 40;
  const max = absMax([c.heads.map((x) => x.score)]);
  const parts: string[] = [`<defs><marker id="arrow-${esc(id)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>`];
  const midY = (k: Column) => top + (Math.max(1, k.heads.length) * (boxH + gap)) / 2;
  cols.forEach((k, i) => {
    const x = 10 + i * colW;
    parts.push(`<text x="${x + 60}" y="16" text-anchor="middle" class="stage">${esc(k.title)}</text><text x="${x + 60}" y="32" text-anchor="middle" class="ax">${esc(k.sub)}</text>`);
    if (k.title === 'logits' && !k.heads.length) parts.push(`<rect x="${x}" y="${top}" width="120" height="${boxH}" rx="4" class="logits"/><text x="${x + 60}" y="${top + 16}" text-anchor="middle">logits</text>`);
    k.heads.forEach((hd, j) => {
      const y = top + j * (boxH + gap);
      const t = Number.isFinite(hd.score) ? Math.abs(hd.score) / max : 0;
      parts.push(`<g class="head" data-head="${hd.name}"><rect x="${x}" y="${y}" width="120" height="${boxH}" rx="4" fill="${Number.isFinite(hd.score) ? diverging(hd.score, max) : '#eef'}" stroke="#333"/>`
        + `<text x="${x + 60}" y="${y + 16}" text-anchor="middle" fill="${inkFor(t)}">${hd.name}${Number.isFinite(hd.score) ? ` (${short(hd.score)})` : ''}</text><title>${hd.name} in ${esc(k.title)}${Number.isFinite(hd.score) ? `: score ${short(hd.score)}` : ''}</title></g>`);
    });
    for (const r of k.receivers) {
      const x1 = x + 122, x2 = 10 + r * colW - 2, y1 = midY(k), y2 = r === cols.length - 1 && cols[r].title === 'logits' ? top + boxH / 2 : midY(cols[r]);
      parts.push(`<path d="M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}" class="edge" marker-end="url(#arrow-${esc(id)})"/>`
        + `<text x="${x1 + 6}" y="${y1 - 6}" class="ax">${esc(k.into ?? '')}</text>`);
    }
  });
  return `<figure class="circuit" id="${esc(id)}"><figcaption><b>${esc(name)}</b> <span class="dim">${c.task ? `on ${esc(c.task)}: ` : ''}${c.heads.length} heads; ${stages?.length ? 'arrows from senders to what they were patched into' : 'declared in the spec'}</span></figcaption>`
    + `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="circuit ${esc(name)}">${parts.join('')}</svg></figure>`;
}
