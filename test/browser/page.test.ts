// The browser page (npm run build:browser), opened from disk in headless Chromium on its software WebGPU adapter
// (SwiftShader): picks a tiny organism spec and its model's files, runs it to the end, no console errors.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, Page } from '../helpers/chromium.js';
import { gpuTitle } from '../helpers/software-gpu.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SPEC = join(root, 'test/runtime/gpu/specs/ioi-s-plateau-tiny.spec.yaml');
const MODEL = join(root, 'fixtures/organisms/ioi-s-plateau');
const reason = CHROMIUM ? null : 'no chromium (as root: apt-get install chromium, or run scripts/ensure-chromium.sh)';

describe.skipIf(reason)(gpuTitle('browser page in headless Chromium (WebGPU on SwiftShader)', reason), () => {
  let page: Page;
  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'scripts/build-browser.mjs')], { cwd: root, stdio: 'pipe' });
    page = await Page.launch(['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']);
  }, 120_000);
  afterAll(async () => page?.close());

  it('runs a tiny organism spec to the end on webgpu from picked files, with no console errors', async () => {
    await page.goto(pathToFileURL(join(root, 'dist/browser/index.html')).href);
    expect(await page.evaluate<boolean>('!!navigator.gpu')).toBe(true);
    await page.setFiles('#spec', [SPEC]);
    await page.setFiles('#model', ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'].map((f) => join(MODEL, f)));
    await page.evaluate("document.getElementById('backend').value = 'webgpu'; document.getElementById('run').click()");
    const state = await page.waitFor<string>("['done', 'error'].includes(document.body.dataset.state) && document.body.dataset.state", 240_000);
    const text = await page.evaluate<string>("document.getElementById('status').textContent + '\\n' + document.getElementById('results').innerText");
    expect(state, text).toBe('done');
    expect(text).toMatch(/backend webgpu on .*swiftshader.*, software/i);
    expect(text).toMatch(/4 of 4 claims hold/);
    expect(await page.evaluate<number>("document.getElementById('progress').value")).toBe(1);
    // The HTML report is there too: the spec's claims and a layer × head heatmap (DLA), in its frame.
    const report = await page.evaluate<string>("document.querySelector('#results iframe').srcdoc");
    expect(report).toContain('copying_follows_attention_io');
    expect(report).toMatch(/<svg[^>]*aria-label="dla/);
    expect(page.errors).toEqual([]);
  }, 300_000);

  it('auto takes wasm over a software adapter (the wasm binaries load from inside the script, off disk)', async () => {
    await page.goto(pathToFileURL(join(root, 'dist/browser/index.html')).href);
    await page.setFiles('#spec', [SPEC]);
    await page.setFiles('#model', ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'].map((f) => join(MODEL, f)));
    await page.evaluate("document.getElementById('run').click()");
    const state = await page.waitFor<string>("['done', 'error'].includes(document.body.dataset.state) && document.body.dataset.state", 120_000);
    const text = await page.evaluate<string>("document.getElementById('status').textContent + '\\n' + document.getElementById('results').innerText");
    expect(state, text).toBe('done');
    expect(text).toMatch(/backend wasm,/);
    expect(text).toMatch(/4 of 4 claims hold/);
    expect(page.errors).toEqual([]);
  }, 180_000);

  it('runs the same from a static server', async () => {
    const server: Server = createServer((req, res) => {
      const file = req.url === '/' ? 'index.html' : (req.url ?? '').slice(1);
      if (!['index.html', 'circuitspec.js'].includes(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(readFileSync(join(root, 'dist/browser', file)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      await page.setFiles('#spec', [SPEC]);
      await page.setFiles('#model', ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt'].map((f) => join(MODEL, f)));
      await page.evaluate("document.getElementById('backend').value = 'wasm'; document.getElementById('run').click()");
      expect(await page.waitFor<string>("['done', 'error'].includes(document.body.dataset.state) && document.body.dataset.state", 120_000)).toBe('done');
      expect(await page.evaluate<boolean>("!document.getElementById('save').hidden && document.getElementById('save').href.startsWith('blob:')")).toBe(true);
      expect(page.errors).toEqual([]);
    } finally {
      server.close();
    }
  }, 180_000);

  it('a spec error is one line on the page', async () => {
    await page.goto(pathToFileURL(join(root, 'dist/browser/index.html')).href);
    await page.setFiles('#spec', [join(root, 'README.md')]);
    await page.evaluate("document.getElementById('run').click()");
    expect(await page.waitFor<string>("document.body.dataset.state === 'error' && document.getElementById('status').textContent", 30_000)).not.toMatch(/\n|internal error/);
  }, 60_000);
});
