/**
 * The browser page: runs one spec on WebGPU (wasm where there is none) over files the user picks. Files are read
 * into the page's memory (vfs.ts) and never sent anywhere, so the page works from disk (file://) or any static
 * server, offline. Built by `npm run build:browser` into dist/browser/.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import packaged from 'circuitspec:data';
import { compileFile } from '../dsl/compile.js';
import { CircuitspecError } from '../errors.js';
import type { RunEvent } from '../plan/events.js';
import { executePlan } from '../runtime/executor/execute.js';
import { renderResults } from './render.js';
import { clearDir, matchByName, putFile } from './vfs.js';

const ROOT = '/circuitspec'; // where circuitspec's own package.json and data/ sit (see import.meta.url in the build)
const SPEC_DIR = '/picked/spec';
const MODEL_DIR = '/picked/model';

for (const [path, text] of Object.entries(packaged)) putFile(`${ROOT}/${path}`, text);
// A spec's task sources ('tasks/x.jsonl') find the prompt file picked under that name.
matchByName(SPEC_DIR);
// The wasm binaries travel inside the script: a page opened from disk may not fetch files beside it.
const blobUrl = (bytes: Uint8Array) => URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/wasm' }));
setWasmPaths({ 'tfjs-backend-wasm.wasm': blobUrl(plainWasm), 'tfjs-backend-wasm-simd.wasm': blobUrl(simdWasm), 'tfjs-backend-wasm-threaded-simd.wasm': blobUrl(simdWasm) });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function pick(input: HTMLInputElement, dir: string): Promise<string[]> {
  clearDir(dir);
  const names: string[] = [];
  for (const f of Array.from(input.files ?? [])) {
    putFile(`${dir}/${f.name}`, new Uint8Array(await f.arrayBuffer()));
    names.push(f.name);
  }
  return names;
}

function setState(state: 'idle' | 'running' | 'done' | 'error', status: string): void {
  document.body.dataset.state = state;
  $('status').textContent = status;
}

async function run(): Promise<void> {
  const [spec] = Array.from($<HTMLInputElement>('spec').files ?? []);
  if (!spec) return setState('error', 'Pick a spec file first.');
  setState('running', 'Reading files…');
  $('results').replaceChildren();
  $('save').hidden = true;
  clearDir(SPEC_DIR);
  // Prompt files sit beside the spec, where its task sources name them (matched by file name).
  await pick($<HTMLInputElement>('prompts'), SPEC_DIR);
  putFile(`${SPEC_DIR}/${spec.name}`, new Uint8Array(await spec.arrayBuffer()));
  const modelFiles = await pick($<HTMLInputElement>('model'), MODEL_DIR);
  const backend = $<HTMLSelectElement>('backend').value as 'auto' | 'webgpu' | 'wasm';
  const bar = $<HTMLProgressElement>('progress');
  let steps = 1;
  let done = 0;
  const onEvent = (e: RunEvent) => {
    if (e.type === 'spec-start') steps = Math.max(1, e.steps);
    if (e.type === 'step-start') $('status').textContent = `${e.label}…`;
    if (e.type === 'step-progress') $('status').textContent = `${e.label}: ${e.done}/${e.total}`;
    if (e.type === 'step-end') bar.value = ++done / steps;
  };
  try {
    const plan = compileFile(`${SPEC_DIR}/${spec.name}`, { backend, ...(modelFiles.length && { model: MODEL_DIR }) });
    const result = await executePlan(plan, { onEvent });
    bar.value = 1;
    renderResults(result, $('results'));
    // The results file the CLI's --out writes, saved by the browser (still nothing leaves the machine).
    const save = $<HTMLAnchorElement>('save');
    URL.revokeObjectURL(save.href);
    save.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
    save.download = `${result.name}.results.json`;
    save.hidden = false;
    setState(result.error ? 'error' : 'done', result.error ? 'The spec could not run (below).' : 'Done.');
  } catch (e) {
    // Spec errors are one line naming file, line and field, as on the command line.
    setState('error', e instanceof CircuitspecError ? e.format() : `internal error: ${(e as Error).message}`);
  }
}

$('run').addEventListener('click', () => void run());
setState('idle', 'Pick a spec, the model\'s files and any prompt files, then Run.');
