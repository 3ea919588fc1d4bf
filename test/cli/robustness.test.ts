// The CLI's own robustness: broken pipes, --out written atomically, the tensorflow backend checked up front, and a
// checkpoint that fails while loading (after preflight passed) reported once on stderr with exit 2.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, quietOnBrokenPipe } from '../../src/cli/main.js';
import type { Output } from '../../src/report/index.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false, isTTY: false };
  return { code: await main(argv, io), out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'circuitspec-robust-'));
const SPEC = 'test/cli/specs/tiny-random.spec.yaml';

describe('CLI robustness', () => {
  it('a broken pipe ends the process quietly; other stream errors still throw', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
    const exits: number[] = [];
    quietOnBrokenPipe(stream, (c) => void exits.push(c));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() => stream.emit('error', Object.assign(new Error('disk on fire'), { code: 'EIO' }))).toThrow('disk on fire');
  });

  it('--out is written atomically (no temporary file left) and a folder as --out is refused before the run', async () => {
    const out = join(tmp, 'r.json');
    const r = await cli('run', SPEC, '--tag', 'smoke', '--out', out);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe(1);
    expect(readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect((await cli('run', SPEC, '--out', tmp)).err).toBe(`--out ${tmp} is a folder; give a file name\n`);
  });

  it("--backend tensorflow without @tensorflow/tfjs-node is refused before any model loads", async () => {
    let installed = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    const r = await cli('validate', SPEC, '--backend', 'tensorflow');
    if (installed) expect(r.code).toBe(0);
    else {
      expect(r.code).toBe(2);
      expect(r.err).toBe(`${SPEC}: backend: backend 'tensorflow' needs @tensorflow/tfjs-node, which is not installed (npm install @tensorflow/tfjs-node, or use --backend wasm)\n`);
    }
  });

  it('validate reads no weights: a checkpoint whose data is NaN passes validate, then run exits 2 naming it once', async () => {
    const { SafetensorsFile, writeSafetensors } = await import('../../src/runtime/io/safetensors.js');
    const folder = join(tmp, 'nan');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(folder);
    copyFileSync('fixtures/tiny-gpt2/config.json', join(folder, 'config.json'));
    const st = await SafetensorsFile.open('fixtures/tiny-gpt2/model.safetensors');
    const t: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (const [name, info] of st.tensors) t[name] = { dtype: 'F32', shape: info.shape, data: st.readFloat32(name) };
    await st.close();
    t['ln_f.weight'].data[0] = Infinity;
    await writeSafetensors(join(folder, 'model.safetensors'), t);
    copyFileSync('test/cli/specs/letters.jsonl', join(tmp, 'letters.jsonl'));
    const spec = join(tmp, 'nan.spec.yaml');
    writeFileSync(spec, `name: nan\nmodel: {source: ./nan}\ntasks:\n  letters: {source: jsonl, path: letters.jsonl}\nmetrics:\n  acc: {kind: accuracy, task: letters}\nexpect:\n  a: {assert: "acc >= 0"}\n  b: {assert: "acc <= 1"}\n`);
    expect((await cli('validate', spec)).code).toBe(0);
    const r = await cli('run', spec);
    expect(r.code).toBe(2);
    const line = `load model: ${join(folder, 'model.safetensors')}: ln_f.weight: tensor 'ln_f.weight' holds Infinity at index 0: the checkpoint is corrupt (weights must be finite)`;
    expect(r.err).toBe(`${line}\n`);
    expect(r.out.split(line).length - 1).toBe(1); // once for the spec, not once per claim
    expect(r.out).toContain("not run: load model failed (see the spec's error)");
  });
});
