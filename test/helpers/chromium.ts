/**
 * Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no network),
 * for tests of pages: open a page, set file inputs, evaluate, and collect console errors and exceptions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

type Msg = { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string }; sessionId?: string };

export class Page {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Msg) => void)[] = [];
  /** console.error calls, uncaught exceptions and error log entries, as text. */
  readonly errors: string[] = [];
  private sessionId = '';

  private constructor(private readonly proc: ChildProcess, private readonly profile: string) {
    const input = proc.stdio[4] as Readable;
    let buf = '';
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\0')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i)) as Msg;
        buf = buf.slice(i + 1);
        this.dispatch(msg);
      }
    });
  }

  /** Start Chromium with `flags` and attach to a blank page. */
  static async launch(flags: string[] = []): Promise<Page> {
    if (!CHROMIUM) throw new Error('no chromium binary');
    const profile = mkdtempSync(join(tmpdir(), 'circuitspec-chromium-'));
    const proc = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--remote-debugging-pipe', `--user-data-dir=${profile}`, '--no-first-run',
      '--disable-extensions', '--disable-background-networking', ...flags, 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const page = new Page(proc, profile);
    const { targetId } = await page.send('Target.createTarget', { url: 'about:blank' }, false);
    const { sessionId } = await page.send('Target.attachToTarget', { targetId, flatten: true }, false);
    page.sessionId = sessionId as string;
    for (const domain of ['Runtime', 'Log', 'Page']) await page.send(`${domain}.enable`);
    return page;
  }

  private dispatch(m: Msg): void {
    if (m.id !== undefined) {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) w?.reject(new Error(m.error.message));
      else w?.resolve(m.result ?? {});
      return;
    }
    const p = m.params ?? {};
    if (m.method === 'Runtime.consoleAPICalled' && p.type === 'error') {
      this.errors.push(`console.error: ${(p.args as { value?: unknown; description?: string }[]).map((a) => a.value ?? a.description).join(' ')}`);
    }
    if (m.method === 'Runtime.exceptionThrown') {
      const d = p.exceptionDetails as { text: string; exception?: { description?: string } };
      this.errors.push(`exception: ${d.exception?.description ?? d.text}`);
    }
    if (m.method === 'Log.entryAdded') {
      const e = p.entry as { level: string; text: string; url?: string };
      if (e.level === 'error') this.errors.push(`log: ${e.text}${e.url ? ` (${e.url})` : ''}`);
    }
    for (const l of this.listeners) l(m);
  }

  send(method: string, params: Record<string, unknown> = {}, inSession = true): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const msg = { id, method, params, ...(inSession && { sessionId: this.sessionId }) };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      (this.proc.stdio[3] as Writable).write(`${JSON.stringify(msg)}\0`);
    });
  }

  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.listeners.push((m) => m.method === 'Page.loadEventFired' && resolve()));
    await this.send('Page.navigate', { url });
    await loaded;
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`page threw: ${JSON.stringify(r.exceptionDetails)}`);
    return (r.result as { value: T }).value;
  }

  async setFiles(selector: string, files: string[]): Promise<void> {
    const { root } = await this.send('DOM.getDocument');
    const { nodeId } = await this.send('DOM.querySelector', { nodeId: (root as { nodeId: number }).nodeId, selector });
    await this.send('DOM.setFileInputFiles', { nodeId, files });
  }

  /** Poll `expression` until it is truthy; returns its value. */
  async waitFor<T>(expression: string, timeoutMs: number): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.evaluate<T>(expression);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((r) => (this.proc.exitCode !== null ? r() : this.proc.once('exit', () => r())));
    this.send('Browser.close', {}, false).catch(() => undefined);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.proc.exitCode === null) {
      this.proc.kill();
      await exited;
    }
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 3 });
  }
}
