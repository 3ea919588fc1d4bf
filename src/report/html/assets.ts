/** The page's stylesheet and its one small script (the prompt view and the role pickers); no network at view time. */

export const CSS = `
:root { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #fff; }
body { margin: 0 auto; padding: 16px 24px 60px; max-width: 1400px; }
h1 { font-size: 22px; margin: 4px 0 2px; } h2 { font-size: 19px; margin-top: 36px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 22px 0 8px; } h4 { margin: 14px 0 6px; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f4f4f6; padding: 1px 4px; border-radius: 3px; }
.dim { color: #666; } .q { color: #555; font-size: 12px; } .bad { color: #b2182b; } .ok { color: #1a7f37; }
table { border-collapse: collapse; } td, th { padding: 5px 8px; vertical-align: top; text-align: left; border-bottom: 1px solid #eee; }
th { font-weight: 600; color: #444; border-bottom: 2px solid #ddd; }
table.claims { width: 100%; table-layout: fixed; } table.claims code, table.claims b { overflow-wrap: anywhere; }
table.claims:not(.side) th:first-child { width: 120px; } table.claims:not(.side) th:nth-child(2) { width: 22%; } tr[data-verdict="fail"], tr[data-verdict="error"], tr[data-verdict="xpass"] { background: #fff6f5; } table.claims p { margin: 0 0 4px; }
.badge { display: inline-block; white-space: nowrap; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.pass { background: #dafbe1; color: #1a7f37; } .badge.fail, .badge.error, .badge.xpass { background: #ffebe9; color: #b2182b; }
.badge.xfail, .badge.skip { background: #fff8c5; color: #7d4e00; } .badge.none { color: #999; }
ul.parts { margin: 0; padding-left: 0; list-style: none; } ul.parts li { margin-bottom: 3px; } ul.parts li.headline.bad { font-weight: 600; }
ul.parts .got { color: #222; }
.grid { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 13px; margin-bottom: 4px; max-width: 600px; }
svg text { font: 11px system-ui, sans-serif; } svg .ax { fill: #666; font-size: 10.5px; } svg .val { font-size: 9.5px; pointer-events: none; }
svg .stage { font-weight: 600; font-size: 12px; }
rect.cell { stroke: #fff; stroke-width: 0.5; } rect.cell:hover { stroke: #000; stroke-width: 1.5; }
rect.outline { fill: none; stroke: #111; stroke-width: 2.5; pointer-events: none; }
rect.logits { fill: #f0f0f0; stroke: #333; } path.edge { fill: none; stroke: #555; stroke-width: 1.5; }
.prov td:first-child { color: #666; white-space: nowrap; } .summary { font-size: 15px; margin: 6px 0 14px; }
.tokens { margin-top: 8px; line-height: 1.9; font: 13px ui-monospace, Menlo, monospace; }
.tok { display: inline-block; white-space: pre; padding: 2px 1px; border-radius: 2px; margin-right: 1px; border: 1px solid #eee; }
.tok.query { outline: 2px solid #111; } .tok sub { font: 9px system-ui, sans-serif; color: inherit; margin-left: 2px; }
nav a { margin-right: 12px; } details > summary { cursor: pointer; color: #444; }
select { font: inherit; } [hidden] { display: none !important; }
`;

/** Plain DOM code, no library; every element it reads is written by the renderer. */
export const SCRIPT = `
(function () {
  function shade(v) {
    var t = Math.max(0, Math.min(1, v)), to = [84, 39, 143];
    return 'rgb(' + to.map(function (x) { return Math.round(255 + (x - 255) * t); }).join(',') + ')';
  }
  document.querySelectorAll('select.att-from').forEach(function (sel) {
    sel.addEventListener('change', function () {
      sel.closest('.att-task').querySelectorAll('.att-group').forEach(function (g) { g.hidden = g.dataset.from !== sel.value; });
    });
  });
  document.querySelectorAll('section.attention').forEach(function (sec) {
    var data = JSON.parse(sec.querySelector('script.att-data').textContent);
    sec.querySelectorAll('.prompt-view').forEach(function (pv) {
      var ex = data[pv.dataset.task], head = pv.querySelector('.pv-head'), from = pv.querySelector('.pv-from'), out = pv.querySelector('.tokens');
      var roleAt = {};
      Object.keys(ex.roles).forEach(function (r) { (roleAt[ex.roles[r]] = roleAt[ex.roles[r]] || []).push(r); });
      function draw() {
        var lh = head.value.split('.').map(Number), row = ex.rows[from.value][lh[0]][lh[1]];
        out.replaceChildren.apply(out, ex.tokens.map(function (tok, k) {
          var s = document.createElement('span'), v = k < row.length ? row[k] : NaN;
          s.className = 'tok' + (k === ex.roles[from.value] ? ' query' : '');
          s.textContent = tok;
          s.style.background = isFinite(v) ? shade(v) : '#f3f3f3';
          if (v > 0.55) s.style.color = '#fff';
          s.title = k + ': ' + JSON.stringify(tok) + (roleAt[k] ? ' [' + roleAt[k].join(', ') + ']' : '') + ' — ' + (isFinite(v) ? v.toFixed(3) : 'after the query position');
          if (roleAt[k]) { var sub = document.createElement('sub'); sub.textContent = roleAt[k].join(','); s.appendChild(sub); }
          return s;
        }));
      }
      head.addEventListener('change', draw);
      from.addEventListener('change', draw);
      draw();
    });
  });
})();
`;
