import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { summarize, type RunResults, type SpecResult } from '../../src/plan/results.js';
import type { Output } from '../../src/report/index.js';
import { renderComparison, renderReport } from '../../src/report/html.js';
import { diverging, sequential } from '../../src/report/html/colour.js';
import { pictureSpec } from './sample.js';

const wrap = (...specs: SpecResult[]): RunResults => ({ version: 1, specs, summary: summarize(specs), durationMs: 5 });
const rgb = (c: string): number[] => c.match(/\d+/g)!.map(Number);
const cells = (html: string) => [...html.matchAll(/data-head="([\d.]+)" data-value="([^"]+)"/g)].map((m) => [m[1], Number(m[2])] as const);

describe('HTML report', () => {
  it('one self-contained page: provenance, claims with description and source, a heatmap per head table, circuits, attention', () => {
    const html = renderReport(wrap(pictureSpec()));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // nothing fetched at view time: no external scripts, styles, images or fonts
    expect(html).not.toMatch(/(src|href)="(?!#)|url\((?!#)|@import|https?:\/\//);
    expect(html).toContain('<b>pp</b><br><span class="dim">path_patch [(patched − clean) / clean logit diff, per sender head] on t</span>');
    expect(cells(html).filter(([h]) => h === '1.2')).toContainEqual(['1.2', -0.9]);
    // the heads the claims reading pp name are outlined, and only those
    expect([...html.matchAll(/data-outline="([\d.]+)"/g)].map((m) => m[1]).sort()).toEqual(['1.2', '2.1']);
    expect(html).toContain('<title>1.2: -0.9 — claims: mover</title>');
    // claims: verdict, measured with its quantity, description (escaped), assertion and where it is
    expect(html).toContain('Head 1.2 &lt;moves&gt; names.');
    expect(html).toContain('<b>-0.9</b> <span class="q">path_patch [(patched − clean) / clean logit diff]</span>');
    expect(html).toContain('specs/x.spec.yaml:4');
    expect(html).toContain('<div class="dim">see <a href="#pic-paper-pp">pp</a></div>');
    expect(html).toContain('<figure class="heatmap" id="pic-paper-pp">');
    expect(html).toContain('<figure class="circuit" id="pic-paper-c">');
    expect(html).toContain('A spec &lt;for&gt; pictures &amp; tests.');
    expect(html).toContain('<code>random:tiny</code>');
    // the circuit: writers (left) → movers → logits, the writers' arrow labelled with what they were patched into
    const circuit = html.slice(html.indexOf('<figure class="circuit"'));
    expect(circuit.indexOf('>writers<')).toBeLessThan(circuit.indexOf('>movers<'));
    expect(circuit).toContain('>v at S<');
    // attention: a map per (query role, key role) with keys up to the query, and the prompt view's data
    expect(html).toMatch(/<div class="att-group grid" data-task="t" data-from="END">/);
    expect(html).toContain('<b>END → S</b>');
    expect(html).not.toContain('<b>A → END</b>');
    expect(html).toContain('<option selected>2.1</option>'); // the head attending most from END to another role
  });

  it('a comparison page: claims side by side, difference heatmaps, what moved and what changed underneath', () => {
    const a = pictureSpec();
    const b = structuredClone(a);
    (b.metrics.pp.value as { values: number[][] }).values[1][2] = -0.4;
    b.claims[0] = { ...b.claims[0], verdict: 'fail', measured: { type: 'number', value: -0.4 } };
    b.provenance.model.weightHash = 'b'.repeat(64);
    const html = renderComparison([{ label: 'before', results: wrap(a) }, { label: 'after', results: wrap(b) }]);
    expect(html).toContain('<b>pp: after − before</b>');
    const diff = html.slice(html.indexOf('pp: after − before'));
    expect(cells(diff).find(([h]) => h === '1.2')![1]).toBeCloseTo(0.5);
    expect(cells(diff).find(([h]) => h === '0.0')![1]).toBe(0);
    expect(html).toMatch(/<tr class="changed" data-claim="mover">/);
    expect(html).toContain('<b>newly-failing</b> claim mover pass → fail');
    expect(html).toContain('<b>changed</b> model');
    expect(html).toContain('<tr class="bad"><td>weights (differs)</td>');
  });

  it('diverging scale: white at 0, red above, blue below, darker with |v|; sequential: white at 0', () => {
    expect(diverging(0, 1)).toBe('rgb(255,255,255)');
    expect(sequential(0)).toBe('rgb(255,255,255)');
    fc.assert(fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (x, y) => {
      const [r, , b] = rgb(diverging(x, 1)), [r2, , b2] = rgb(diverging(-x, 1));
      expect(r).toBeGreaterThan(b);
      expect(b2).toBeGreaterThan(r2);
      const lightness = (v: number) => rgb(diverging(v, 1)).reduce((s, c) => s + c, 0);
      if (x < y) expect(lightness(x)).toBeGreaterThanOrEqual(lightness(y));
      if (x < y) expect(lightness(-x)).toBeGreaterThanOrEqual(lightness(-y));
      expect(diverging(1 + x, 1)).toBe(diverging(1, 1)); // beyond the scale's end: saturated
    }));
  });

  it('anything a spec says is escaped: names and descriptions cannot add markup', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (name, description) => {
      const s = pictureSpec();
      s.claims[0] = { ...s.claims[0], name, description };
      s.name = name;
      const html = renderReport(wrap(s));
      expect(html.match(/<script/g)).toHaveLength(2); // the attention data and the page's own script
      expect(html.match(/<\/section>/g)).toHaveLength(2);
    }), { numRuns: 60 });
  });
});

describe('circuitspec report', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'circuitspec-report-'));
  async function cli(...argv: string[]) {
    let out = '', err = '';
    const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false, isTTY: false };
    return { code: await main(argv, io), out, err };
  }

  it('writes a page for one results file and a comparison for two; bad input is one line, exit 2', async () => {
    const a = join(tmp, 'a.json'), b = join(tmp, 'b.json');
    writeFileSync(a, JSON.stringify(wrap(pictureSpec())));
    writeFileSync(b, JSON.stringify(wrap(pictureSpec())));
    const page = join(tmp, 'one.html');
    expect(await cli('report', a, '--out', page)).toMatchObject({ code: 0, err: expect.stringMatching(/^wrote .*one\.html \(\d+ KB\)\n$/) });
    expect(readFileSync(page, 'utf8')).toContain('<h1>circuitspec: paper</h1>');
    expect((await cli('report', a, b)).out).toContain('<h1>circuitspec: a vs b</h1>');
    expect(await cli('report')).toMatchObject({ code: 2, err: expect.stringMatching(/^report takes results files/) });
    writeFileSync(join(tmp, 'bad.json'), '{"version": 2}');
    expect(await cli('report', join(tmp, 'bad.json'))).toMatchObject({ code: 2, err: expect.stringContaining('bad.json: not a circuitspec results file') });
    expect(await cli('run', 'test/cli/specs', '--reporter', 'html')).toMatchObject({ code: 2, err: '--reporter html writes a file: add --out report.html\n' });
  });

  it('run --reporter html --out: the terminal keeps the default report, the page gets heatmaps and role attention', async () => {
    const page = join(tmp, 'run.html');
    const r = await cli('run', 'test/cli/specs/tiny-random.spec.yaml', '--backend', 'wasm', '--reporter', 'html', '--out', page);
    expect(r.code).toBe(1); // the spec's random model is no IOI expert
    expect(r.out).toMatch(/^\d+ passed, 1 failed$/m);
    const html = readFileSync(page, 'utf8');
    // (booleans: a failure should not print the whole page)
    expect(html.includes('<h1>circuitspec: tiny-random</h1>')).toBe(true);
    expect(html.includes('<figure class="heatmap" id="pic-tiny-random-pp"><figcaption><b>pp</b>')).toBe(true);
    expect(html.includes('<div class="att-group grid" data-task="ioi" data-from="END">')).toBe(true);
  });
});
