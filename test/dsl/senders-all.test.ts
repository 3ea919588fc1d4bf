/** `senders: all` (path_patch metrics and circuit stages) against the literal path patching with every position. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSpec } from '../../src/cli/runner.js';
import { compileFile } from '../../src/dsl/compile.js';
import { CircuitspecError } from '../../src/errors.js';
import { createContext, disposeContext } from '../../src/runtime/experiments/index.js';
import type { ExperimentContext, PathPatchReceivers } from '../../src/runtime/experiments/types.js';
import { normalisedTable, pathPatchLiteral } from '../../src/runtime/interventions/index.js';
import { loadModel, type HookedGPT2 } from '../../src/runtime/model/index.js';
import { buildTask } from '../../src/runtime/tasks/index.js';
import { syntheticTask, TINY } from '../runtime/experiments/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'circuitspec-senders-'));
// The synthetic task as JSONL token-id lines (vocab 1000): roles A, B, B2; prompts of two lengths.
writeFileSync(join(dir, 'syn.jsonl'), syntheticTask('syn', 4, [10, 12], 1000, 5).prompts.map((p) => JSON.stringify({
  tokens: p.tokens, answer: p.answerId, distractor: p.distractorIds[0], roles: { A: p.roles.A, B: p.roles.B, B2: p.roles.B2 },
  corrupted: { tokens: p.corrupted!.tokens, answer: p.corrupted!.answerId },
})).join('\n'));
const spec = (body: string): string => {
  const file = join(dir, 's.spec.yaml');
  writeFileSync(file, `name: senders
model: {source: ${TINY}}
tasks:
  syn: {source: jsonl, path: syn.jsonl}
${body}
`);
  return file;
};

let model: HookedGPT2;
let ctx: ExperimentContext;
beforeAll(async () => {
  model = await loadModel(TINY, { backend: 'wasm' });
  ctx = createContext(model, [buildTask('syn', { file: 'syn.jsonl' }, model.tokenizer, { baseDir: dir })], { batchSize: 4 });
});
afterAll(() => {
  disposeContext(ctx);
  model.dispose();
});

describe('senders: all', () => {
  it('equals the literal path patching with senders at every position (logits, k receivers, a circuit stage)', async () => {
    const file = spec(`metrics:
  to_logits: {kind: path_patch, task: syn, senders: all}
  to_k: {kind: path_patch, task: syn, to: {heads: "{1.1, 1.3}", input: k, positions: [B2, END]}, senders: all}
circuits:
  c:
    task: syn
    stages:
      - {name: s1, role: r, top: 2, senders: all}
expect:
  a: {assert: "count(top(to_logits, 2)) == 2 and count(top(to_k, 2)) == 2 and count(heads(c)) == 2"}`);
    const plan = compileFile(file);
    const steps = plan.steps.filter((s) => s.kind === 'metric');
    for (const s of steps) expect(s.kind === 'metric' && s.request.kind === 'path_patch' && s.request.allSenderPositions).toBe(true);
    const r = await runSpec(file, { backend: 'wasm', batchSize: 4 });
    expect(r.error).toBeUndefined();
    const literal = async (receivers: PathPatchReceivers) => normalisedTable(await pathPatchLiteral(ctx, 'syn', { receivers }));
    const close = (got: unknown, want: Awaited<ReturnType<typeof literal>>) => {
      if (want.type !== 'heads' || (got as typeof want).type !== 'heads') throw new Error('not tables');
      const w = want.values.flat();
      const scale = Math.max(...w.map(Math.abs));
      (got as typeof want).values.flat().forEach((x, i) => expect(Math.abs(x - w[i])).toBeLessThan(1e-3 * scale + 1e-7));
    };
    close(r.metrics.to_logits.value, await literal('logits'));
    const k = await literal({ heads: [{ layer: 1, head: 1 }, { layer: 1, head: 3 }], input: 'k', positions: ['B2', 'END'] });
    close(r.metrics.to_k.value, k);
    // Not vacuous: senders at END only (what an omitted senders: gives logits receivers) score otherwise.
    const kEnd = normalisedTable(await pathPatchLiteral(ctx, 'syn', { receivers: { heads: [{ layer: 1, head: 1 }, { layer: 1, head: 3 }], input: 'k', positions: ['B2', 'END'] }, senderPositions: ['END'] }));
    if (k.type === 'heads' && kEnd.type === 'heads') expect(Math.max(...k.values[0].map((v, h) => Math.abs(v - kEnd.values[0][h])))).toBeGreaterThan(1e-2 * Math.max(...k.values[0].map(Math.abs)));
    const want = await literal('logits');
    if (want.type !== 'heads') throw new Error('not a table');
    const top2 = want.values.flatMap((row, l) => row.map((v, h) => ({ v: Math.abs(v), name: `${l}.${h}` }))).sort((a, b) => b.v - a.v).slice(0, 2).map((x) => x.name).sort();
    expect(r.circuits.c.heads.map((h) => `${h.layer}.${h.head}`).sort()).toEqual(top2);
  });

  it('is an error with z receivers, located at the field', () => {
    try {
      compileFile(spec(`metrics:
  z: {kind: path_patch, task: syn, to: {heads: "1.1", input: z, positions: [B2]}, senders: all}
expect:
  a: {assert: "count(top(z, 1)) == 1"}`));
      throw new Error('compiled');
    } catch (e) {
      expect(e).toBeInstanceOf(CircuitspecError);
      expect((e as CircuitspecError).format()).toMatch(/s\.spec\.yaml:6:\d+: metrics\.z\.senders: z receivers take senders at the receiver positions only/);
    }
  });
});
