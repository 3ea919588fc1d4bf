/** Every per-head metric of a spec as a heatmap, the heads its claims name outlined; scalar metrics as a list. */
import { formatDistribution, formatNumber } from '../../plan/format.js';
import { formatQuantity, requestQuantity } from '../../plan/quantity.js';
import type { SpecResult } from '../../plan/results.js';
import { heatmap } from './heatmap.js';
import { esc, slug } from './svg.js';

/** The id of a spec's metric or circuit picture, for links from claims. */
export const pictureId = (spec: string, name: string): string => `pic-${slug(spec)}-${slug(name)}`;

/** Heads the claims reading `metric` are about: heads written in them and head sets they measured or expected. */
export function claimHeads(spec: SpecResult, metric: string): Set<string> {
  const out = new Set<string>();
  for (const c of spec.claims) {
    if (!c.reads?.includes(metric)) continue;
    c.heads?.forEach((h) => out.add(h));
    for (const k of c.checks) for (const m of [k.measured, k.expected]) if (m.type === 'heads') m.heads.forEach((h) => out.add(h));
  }
  return out;
}

/** Which claims outline a head, for its tooltip. */
function claimsNaming(spec: SpecResult, metric: string, head: string): string[] {
  return spec.claims.filter((c) => c.reads?.includes(metric) && (c.heads?.includes(head) || c.checks.some((k) => [k.measured, k.expected].some((m) => m.type === 'heads' && m.heads.includes(head))))).map((c) => c.name);
}

export function metricHeatmaps(spec: SpecResult): string {
  const maps = Object.values(spec.metrics).flatMap((m) => {
    if (m.value.type !== 'heads') return [];
    const q = requestQuantity(m.request);
    const task = 'task' in m.request ? ` on ${m.request.task}` : '';
    return [heatmap(m.value.values, {
      title: `${m.name}`,
      id: pictureId(spec.name, m.name),
      subtitle: `${formatQuantity(q)}${task}`,
      outline: claimHeads(spec, m.name),
      note: (l, h) => {
        const named = claimsNaming(spec, m.name, `${l}.${h}`);
        return named.length ? `claims: ${named.join(', ')}` : undefined;
      },
    })];
  });
  return maps.length ? `<div class="grid">${maps.join('')}</div><p class="dim">Blue below 0, red above, white at 0; outlined: heads the claims reading the metric name. Hover a cell for its value.</p>` : '';
}

export function scalarList(spec: SpecResult): string {
  const items = Object.values(spec.metrics).flatMap((m) => {
    const v = m.value;
    if (v.type === 'distribution') {
      // A random control: mean ± sd, each sample's heads and value on hover.
      const samples = v.values.map((x, i) => `{${v.heads[i]?.join(', ') ?? ''}}: ${formatNumber(x)}`).join('\n');
      return [`<tr><td><code>${esc(m.name)}</code></td><td><b>${esc(formatDistribution(v.mean, v.sd, v.values.length))}</b></td><td class="q">${esc(formatQuantity(requestQuantity(m.request)))}</td>`
        + `<td class="dim" title="${esc(samples)}">random head sets (hover)</td></tr>`];
    }
    if (m.value.type !== 'scalar') return [];
    const q = requestQuantity(m.request);
    return [`<tr><td><code>${esc(m.name)}</code></td><td><b>${esc(formatNumber(m.value.value))}</b></td><td class="q">${esc(formatQuantity(q))}</td><td class="dim">${m.value.perPrompt ? `${m.value.perPrompt.length} prompts` : ''}</td></tr>`];
  });
  return items.length ? `<table class="scalars"><tbody>${items.join('')}</tbody></table>` : '';
}
