/**
 * Attention between role positions: for each query role, one layers × heads map per key role (mean over the
 * batch the results recorded), and a prompt view — one prompt's tokens shaded by a chosen head's attention row.
 */
import type { SpecResult, TaskAttention } from '../../plan/results.js';
import { heatmap } from './heatmap.js';
import { esc, scriptJson, slug } from './svg.js';

/** Roles in prompt order (by the example's positions), each with its index in the mean matrices. */
const inOrder = (a: TaskAttention): { role: string; i: number }[] =>
  a.roles.map((role, i) => ({ role, i })).sort((x, y) => (a.example.roles[x.role] ?? 0) - (a.example.roles[y.role] ?? 0));

function groups(task: string, a: TaskAttention): string {
  const from = a.roles.includes('END') ? 'END' : a.roles[0];
  const roles = inOrder(a);
  return roles.map(({ role: q, i }) => {
    // Keys after the query are masked (all zero): no map for them.
    const maps = roles.filter(({ i: j }) => a.mean.some((layer) => layer.some((head) => head[i][j] > 0))).map(({ role: k, i: j }) =>
      heatmap(a.mean.map((layer) => layer.map((head) => head[i][j])), { title: `${q} → ${k}`, scale: 'sequential', labels: false }));
    return `<div class="att-group grid" data-task="${esc(task)}" data-from="${esc(q)}"${q === from ? '' : ' hidden'}>${maps.join('')}</div>`;
  }).join('');
}

/** The head that attends most from END to another role: the one worth showing first. */
function liveliest(a: TaskAttention): string {
  const q = a.roles.indexOf('END');
  let best = { v: -1, name: '0.0' };
  a.mean.forEach((layer, l) => layer.forEach((m, h) => m[q < 0 ? 0 : q].forEach((v, k) => {
    if (k !== q && v > best.v) best = { v, name: `${l}.${h}` };
  })));
  return best.name;
}

function promptView(task: string, a: TaskAttention, nLayers: number, nHeads: number): string {
  const heads: string[] = [];
  for (let l = 0; l < nLayers; l++) for (let h = 0; h < nHeads; h++) heads.push(`${l}.${h}`);
  const first = liveliest(a);
  const roleOpts = inOrder(a).map(({ role: r }) => `<option${r === 'END' ? ' selected' : ''}>${esc(r)}</option>`).join('');
  return `<div class="prompt-view" data-task="${esc(task)}"><p><b>One prompt</b> <span class="dim">(${esc(a.example.id)})</span>: each token shaded by the attention the chosen head pays it from the chosen role's position.</p>`
    + `<label>head <select class="pv-head">${heads.map((h) => `<option${h === first ? ' selected' : ''}>${h}</option>`).join('')}</select></label> `
    + `<label>from <select class="pv-from">${roleOpts}</select></label>`
    + `<div class="tokens" aria-live="polite"></div></div>`;
}

export function attentionSection(spec: SpecResult): string {
  const att = spec.attention ?? {};
  const tasks = Object.keys(att);
  if (!tasks.length) return '';
  const body = tasks.map((t) => {
    const a = att[t];
    const nLayers = a.mean.length, nHeads = a.mean[0]?.length ?? 0;
    const fromOpts = inOrder(a).map(({ role: r }) => `<option${r === 'END' ? ' selected' : ''}>${esc(r)}</option>`).join('');
    return `<div class="att-task" id="att-${slug(spec.name)}-${slug(t)}"><h4>task ${esc(t)} <span class="dim">(mean over ${a.prompts} clean prompts)</span></h4>`
      + `<label>attention from <select class="att-from" data-task="${esc(t)}">${fromOpts}</select> to each role, every head (0 white, 1 purple)</label>`
      + groups(t, a) + promptView(t, a, nLayers, nHeads) + '</div>';
  }).join('');
  const data = Object.fromEntries(tasks.map((t) => [t, att[t].example]));
  return `<section class="attention" data-spec="${esc(spec.name)}"><h3>Attention between roles</h3>${body}`
    + `<script type="application/json" class="att-data">${scriptJson(data)}</script></section>`;
}
