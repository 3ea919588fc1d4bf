/**
 * Estimate-vs-measured benchmark (npm run bench:estimates [spec] [--workers N]): `circuitspec plan`'s per-step
 * time estimate (calibrated by a measured forward pass) against a real run of the same spec, one line per step
 * that runs the model, then the totals. The goal is every stage kind within ±30 %.
 *
 *   node dist/bench/estimates.js [specs/organisms/ioi-s.spec.yaml] [--workers 1]
 */
import { calibrate } from '../src/cli/calibrate.js';
import { compileFile } from '../src/dsl/compile.js';
import { estimatePlan, stepMs } from '../src/plan/estimate.js';
import { executePlan } from '../src/runtime/executor/execute.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const file = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'specs/organisms/ioi-s.spec.yaml';
  const plan = compileFile(file, { workers: Number(arg('workers', '1')) });
  const { calibration: cal, shapes } = await calibrate(plan);
  const est = estimatePlan(plan, shapes);
  const result = await executePlan(plan);
  if (result.error) throw new Error(result.error);
  // Metric steps computed together report the group's time split evenly; compare per-prompt metric groups as one.
  const rows = new Map<string, { est: number; got: number }>();
  for (const e of est) {
    const step = plan.steps.find((s) => s.id === e.id)!;
    const shared = step.kind === 'metric' && ['logit_diff', 'accuracy', 'answer_prob', 'patching_score'].includes(step.request.kind);
    const key = shared ? `per-prompt metrics on ${e.task}` : e.id;
    const r = rows.get(key) ?? { est: 0, got: 0 };
    r.est += stepMs(e, cal);
    r.got += result.timings.steps[e.id] ?? 0;
    rows.set(key, r);
  }
  let est0 = 0, got0 = 0, worst = 0;
  for (const [k, r] of rows) {
    if (r.est === 0) continue; // loading the model and building tasks are not estimated
    est0 += r.est;
    got0 += r.got;
    const ratio = r.est / Math.max(1e-9, r.got);
    worst = Math.max(worst, Math.abs(ratio - 1));
    console.log(`${k.padEnd(50)} estimated ${(r.est / 1000).toFixed(2).padStart(7)} s, measured ${(r.got / 1000).toFixed(2).padStart(7)} s (${ratio.toFixed(2)})`);
  }
  console.log(`calibration: ${cal.model}, ${cal.rows}×${cal.positions} tokens in ${cal.ms.toFixed(0)} ms`);
  console.log(`total (model work): estimated ${(est0 / 1000).toFixed(1)} s, measured ${(got0 / 1000).toFixed(1)} s (${(est0 / got0).toFixed(2)}); worst step off by ${(worst * 100).toFixed(0)} %`);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
