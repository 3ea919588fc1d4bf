// `circuitspec plan`: per-step cost (FPE) and time from a measured forward pass, JSONL tasks counted, workers said.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/report/index.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const io: Output = { out: (t) => void (out += t), err: (t) => void (err += t), color: false, isTTY: false };
  return { code: await main(argv, io), out, err };
}

describe('circuitspec plan: costs', () => {
  it('counts a JSONL task, prints each step FPE and time, calibrated by a forward of the model', async () => {
    const r = await cli('plan', 'test/cli/specs/tiny-fixture.spec.yaml', '--workers', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}letters: \{"file":"letters\.jsonl"\}, 8 prompts,/m);
    expect(r.out).toMatch(/^ {2}clean:letters +clean run letters {2}~1\.0 FPE of letters, ~[0-9.]+ s/m);
    expect(r.out).toMatch(/^ {2}metric:patching_score\(letters, with=all_resid\) .* ~[0-9.]+ FPE of letters, ~[0-9.]+ s/m);
    expect(r.out).toMatch(/^workers 2 \(asked for; each worker holds its own copy of the weights/m);
    expect(r.out).toMatch(/^time: ~[0-9.]+ (s|min) of model work on this machine with 1 worker, ~[0-9.]+ (s|min) with 2 \(plus loading the model\)$/m);
    expect(r.out).toMatch(/^ {2}calibrated by a forward pass of the model on 8×\d+ tokens: \d+ ms$/m);
    const json = JSON.parse((await cli('plan', 'test/cli/specs/tiny-fixture.spec.yaml', '--json')).out);
    expect(json.tasks[0].prompts).toBe(8);
    expect(json.costs.calibration.msPerPosition).toBeGreaterThan(0);
    expect(json.costs.steps.find((s: { id: string }) => s.id === 'clean:letters').counted).toBe(1);
  });

  it('--workers must be a whole number >= 1', async () => {
    expect(await cli('plan', 'test/cli/specs/tiny-fixture.spec.yaml', '--workers', '0')).toMatchObject({ code: 2, err: '--workers must be at least 1\n' });
    expect(await cli('plan', 'test/cli/specs/tiny-fixture.spec.yaml', '--workers', 'two')).toMatchObject({ code: 2, err: "--workers takes a whole number (got 'two')\n" });
  });
});
