/**
 * Worker threads that each load the model and answer requests (protocol.ts). A worker that dies (an uncaught
 * error, running out of memory, terminate) fails its pending and later requests at once instead of leaving them
 * waiting; a worker with nothing pending does not keep the process alive, so a forgotten pool cannot hang an exit.
 * Threads live in this process: ending the process (Ctrl-C included) ends them, no orphan processes.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fromWire, type Answers, type Reply, type Request, type WorkerInit } from './protocol.js';

/**
 * From dist the compiled worker.js; from the sources (vitest, tsx) worker.ts, imported after registering tsx's
 * loader in the new thread (a loader given by --import does not reach a worker's entry on Node 20).
 */
function spawn(init: WorkerInit): Worker {
  if (!fileURLToPath(import.meta.url).endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

export class WorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;
  private stopping = false;
  readonly loaded: Promise<void>;

  constructor(readonly index: number, private readonly worker: Worker) {
    this.loaded = new Promise<void>((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      this.refresh();
      if (r.ok) p.resolve(r.value);
      else p.reject(fromWire(r.error));
    });
    worker.on('error', (e) => this.fail(new Error(`worker ${index} failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new Error(this.stopping ? `worker ${index} was stopped` : `worker ${index} stopped (exit code ${code})`)));
  }

  request<K extends Request['op']>(req: Extract<Request, { op: K }>): Promise<Answers[K]> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ id, req });
    this.refresh();
    return answer as Promise<Answers[K]>;
  }

  /** Fire and forget (later requests on this worker run after it); a failure shows up on those. */
  send(req: Request): void {
    this.request(req).catch(() => {});
  }

  async terminate(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    this.refresh();
  }

  /** Keep the process alive only while an answer is awaited. */
  private refresh(): void {
    if (this.pending.size && !this.dead) this.worker.ref();
    else this.worker.unref();
  }
}

export class WorkerPool {
  private constructor(readonly workers: WorkerHandle[]) {}

  /** Starts `n` workers loading the model; resolves once all have it, else stops them all and throws. */
  static async start(n: number, init: WorkerInit, firstIndex = 1): Promise<WorkerPool> {
    const pool = new WorkerPool(Array.from({ length: n }, (_, i) => new WorkerHandle(firstIndex + i, spawn(init))));
    const loads = await Promise.allSettled(pool.workers.map((w) => w.loaded));
    const failed = loads.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await pool.terminate();
      throw failed.reason;
    }
    return pool;
  }

  async terminate(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.terminate()));
  }
}
