// The HTML report in a real browser (Debian's chromium, headless): it opens from disk, asks the network for
// nothing, logs no errors, its script works, and a screenshot's pixels show the heatmap's colours and outlines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import puppeteer, { type Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/plan/results.js';
import { renderComparison, renderReport } from '../../src/report/html.js';
import { sequential } from '../../src/report/html/colour.js';
import { findChromium } from './chromium.js';
import { pictureSpec } from './sample.js';

/** A cell's point in page coordinates, `fx`/`fy` of the way across it (off-centre: the value label sits there). */
async function pointIn(page: Page, selector: string, fx: number, fy: number): Promise<{ x: number; y: number }> {
  return page.$eval(selector, (el, fx, fy) => {
    const r = el.getBoundingClientRect();
    return { x: Math.round(r.left + window.scrollX + r.width * fx), y: Math.round(r.top + window.scrollY + r.height * fy) };
  }, fx, fy);
}

describe('HTML report in headless Chromium', () => {
  it('opens from disk with no console errors or requests; the screenshot shows the heatmap; the prompt view works', async () => {
    const exe = findChromium();
    if (!exe) throw new Error("no Chromium: install Debian's chromium (npm test runs scripts/ensure-chromium.sh, which does when it can) or set CHROMIUM_PATH");
    const spec = pictureSpec();
    const dir = mkdtempSync(join(tmpdir(), 'circuitspec-browser-'));
    const file = join(dir, 'report.html');
    const results = { version: 1 as const, specs: [spec], summary: summarize([spec]), durationMs: 5 };
    writeFileSync(file, renderReport(results));
    const later = structuredClone(results);
    (later.specs[0].metrics.pp.value as { values: number[][] }).values[0][1] = 0.9;
    const compare = join(dir, 'compare.html');
    writeFileSync(compare, renderComparison([{ label: 'before', results }, { label: 'after', results: later }]));

    const browser = await puppeteer.launch({ executablePath: exe, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => void (['error', 'warn', 'assert'].includes(m.type()) && problems.push(`console ${m.type()}: ${m.text()}`)));
      page.on('pageerror', (e) => void problems.push(`page error: ${(e as Error).message}`));
      page.on('request', (r) => void (!/^(file|data|about):/.test(r.url()) && problems.push(`request ${r.url()}`)));
      await page.setViewport({ width: 1200, height: 800, deviceScaleFactor: 1 });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      const png = PNG.sync.read(Buffer.from(await page.screenshot({ fullPage: true })));
      const pixel = ({ x, y }: { x: number; y: number }) => {
        const i = (y * png.width + x) * 4;
        return { r: png.data[i], g: png.data[i + 1], b: png.data[i + 2] };
      };
      // The first heatmap is pp: 1.2 = −0.9 (the scale's end: saturated blue), 2.1 = 0.6 (red), 0.1 = 0 (white).
      const cell = (head: string) => `figure.heatmap rect.cell[data-head="${head}"]`;
      const blue = pixel(await pointIn(page, cell('1.2'), 0.25, 0.25));
      expect(blue.b).toBeGreaterThan(140);
      expect(blue.r).toBeLessThan(70);
      const red = pixel(await pointIn(page, cell('2.1'), 0.25, 0.25));
      expect(red.r - red.b).toBeGreaterThan(60);
      const white = pixel(await pointIn(page, cell('0.1'), 0.25, 0.25));
      expect(Math.min(white.r, white.g, white.b)).toBeGreaterThan(245);
      // The claims' heads are outlined in near-black: the outline's stroke, inside the cell's edge.
      const edge = pixel(await pointIn(page, 'figure.heatmap rect.outline[data-outline="2.1"]', 0.5, 0));
      expect(Math.max(edge.r, edge.g, edge.b)).toBeLessThan(90);
      // The value shows on hover (an SVG <title>).
      expect(await page.$eval(cell('1.2'), (el) => el.querySelector('title')!.textContent)).toBe('1.2: -0.9 — claims: mover');

      // The prompt view: four tokens; head 2.1 from END puts 0.9 on ' and' (dark), then head 0.0 spreads it evenly.
      const backgrounds = () => page.$$eval('.prompt-view .tok', (ts) => ts.map((t) => getComputedStyle(t).backgroundColor));
      const before = await backgrounds();
      expect(before).toHaveLength(4);
      expect(before[2]).toBe(sequential(0.9).replace(/,/g, ', '));
      await page.select('.prompt-view .pv-head', '0.0');
      expect(new Set(await backgrounds()).size).toBe(1);
      // Choosing another query role shows its maps and hides END's.
      await page.select('select.att-from', 'A');
      expect(await page.$eval('.att-group[data-from="END"]', (g) => (g as HTMLElement).hidden)).toBe(true);
      expect(await page.$eval('.att-group[data-from="A"]', (g) => (g as HTMLElement).hidden)).toBe(false);

      // The comparison page: the difference map is red where the later run rose (0.1: 0 → 0.9).
      await page.goto(pathToFileURL(compare).href, { waitUntil: 'load' });
      const shot = PNG.sync.read(Buffer.from(await page.screenshot({ fullPage: true })));
      const rose = await pointIn(page, '.compare-row figure.heatmap:nth-child(2) rect.cell[data-head="0.1"]', 0.25, 0.25);
      const i = (rose.y * shot.width + rose.x) * 4;
      expect(shot.data[i] - shot.data[i + 2]).toBeGreaterThan(60);

      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
