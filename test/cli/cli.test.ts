import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunResults } from '../../src/plan/results.js';
import type { Output } from '../../src/report/index.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

const SPECS = 'test/cli/specs';
const tmp = mkdtempSync(join(tmpdir(), 'circuitspec-cli-'));

describe('circuitspec CLI', () => {
  it('usage errors exit 2 with one line', async () => {
    expect(await cli()).toMatchObject({ code: 2, err: 'missing command (one of run, plan, validate, list, diff, report; see circuitspec --help)\n' });
    expect((await cli('rnu')).err).toBe("unknown command 'rnu' — did you mean 'run'? (commands: run, plan, validate, list, diff, report)\n");
    expect(await cli('run', '--reporter', 'xml')).toMatchObject({ code: 2 });
    expect((await cli('run', '--nope')).err).toMatch(/^Unknown option '--nope'.*\(see circuitspec --help\)\n$/);
    expect((await cli('--help')).out).toContain('Usage: circuitspec <command>');
  });

  it('validate: ok specs, and a broken spec with a located one-line error (exit 2)', async () => {
    expect(await cli('validate', SPECS)).toMatchObject({ code: 0, out: expect.stringContaining('✓ test/cli/specs/tiny-random.spec.yaml (4 claims)') });
    const bad = join(tmp, 'bad.spec.yaml');
    writeFileSync(bad, 'name: bad\nmodel: {source: random:tiny}\nmetrics:\n  m: {kind: dla, task: nope}\nexpect:\n  a: {assert: "count(top(m, 2)) == 2"}\n');
    const r = await cli('validate', bad);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${bad}:4:24: metrics.m.task: unknown task 'nope' (tasks: none)\n`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('plan: steps, shared runs and an estimate, without running', async () => {
    const r = await cli('plan', `${SPECS}/tiny-random.spec.yaml`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^plan tiny-random \(test\/cli\/specs\/tiny-random\.spec\.yaml\)$/m);
    expect(r.out.match(/^ {2}clean:ioi /gm)).toHaveLength(1);
    expect(r.out).toMatch(/^estimate: ~\d+ prompt forward passes/m);
    const json = JSON.parse((await cli('plan', `${SPECS}/tiny-random.spec.yaml`, '--json')).out);
    expect(json.version).toBe(1);
  });

  it('list: specs, claims and tags', async () => {
    const r = await cli('list', SPECS);
    expect(r.out).toContain('  ld_is_small  #smoke');
    expect(r.out).toMatch(/^2 specs, 7 claims; tags: smoke$/m);
  });

  it('run: a failing claim exits 1; --tag narrows to passing claims (exit 0); --out and diff', async () => {
    const out1 = join(tmp, 'a.json');
    const r = await cli('run', SPECS, '--backend', 'wasm', '--out', out1);
    expect(r.code).toBe(1);
    expect(r.out).toContain('   ✗ random_model_is_an_ioi_expert  0 accuracy [fraction correct] (expected >= 0.9)');
    expect(r.out).toMatch(/^6 passed, 1 failed$/m);
    const results = JSON.parse(readFileSync(out1, 'utf8')) as RunResults;
    expect(results.specs.map((s) => s.provenance.model.weightHash)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$|sha256/), 'random:seed=3']);

    const out2 = join(tmp, 'b.json');
    const smoke = await cli('run', `${SPECS}/tiny-random.spec.yaml`, '--backend', 'wasm', '--tag', 'smoke', '--out', out2, '--reporter', 'json');
    expect(smoke.code).toBe(0);
    expect(JSON.parse(smoke.out).summary).toEqual({ passed: 2, failed: 0, skipped: 2, xfailed: 0, xpassed: 0, errors: 0 });

    // same spec, model and seed → identical values
    const again = join(tmp, 'c.json');
    await cli('run', SPECS, '--backend', 'wasm', '--out', again);
    expect((await cli('diff', out1, again)).out).toBe('no differences\n');
    const d = await cli('diff', out1, out2);
    expect(d.out).toContain('removed (');
  });

  it('run --seed changes the prompts; --filter selects by name', async () => {
    const r = await cli('run', `${SPECS}/tiny-random.spec.yaml`, '--backend', 'wasm', '--filter', 'ld_is', '--seed', '5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^1 passed, 0 failed, 3 skipped$/m);
  });
});
