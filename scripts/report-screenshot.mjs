#!/usr/bin/env node
// A PNG of part of an HTML report, for the README: node scripts/report-screenshot.mjs report.html out.png [from] [to]
// crops from the element matching CSS selector `from` down to the bottom of `to` (default: the whole page).
// Needs a Chromium (CHROMIUM_PATH, or chromium on PATH) and the devDependency puppeteer-core.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [file, out, from, to] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node scripts/report-screenshot.mjs report.html out.png [from-selector] [to-selector]');
  process.exit(2);
}
const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  const box = async (sel) => page.$eval(sel, (el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY };
  });
  const clip = from ? { x: 0, y: (await box(from)).top - 8, width: 1280, height: 0 } : undefined;
  if (clip) clip.height = (await box(to ?? from)).bottom + 8 - clip.y;
  await page.screenshot({ path: out, ...(clip ? { clip } : { fullPage: true }) });
} finally {
  await browser.close();
}
