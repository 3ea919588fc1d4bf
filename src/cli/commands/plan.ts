/** `circuitspec plan <spec>`: the compiled plan (steps, sizes, forward-pass estimate) without running it. */
import { CircuitspecError } from '../../errors.js';
import { compileFile } from '../../dsl/compile.js';
import type { Plan, PlanStep } from '../../plan/types.js';
import type { Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';

function describeStep(s: PlanStep): string {
  if (s.kind === 'metric') {
    const r = s.request;
    const task = 'task' in r ? ` on ${r.task}` : '';
    const withN = 'with' in r && r.with?.length ? ` with ${r.with.length} intervention(s)` : '';
    const recv = r.kind === 'path_patch' ? ` → ${r.receivers === 'logits' ? 'logits' : `${r.receivers.heads.length} heads' ${r.receivers.input}`}` : '';
    return `${r.kind}${task}${recv}${withN}`;
  }
  if (s.kind === 'circuit') return s.declared ? `declared, ${s.declared.length} heads` : `${s.stages.length} path-patching stage(s) on ${s.task}: ${s.stages.map((x) => `${x.name} (${x.role})`).join(', ')}`;
  return s.label;
}

export function formatPlan(plan: Plan): string {
  const m = plan.model;
  const lines = [
    `plan ${plan.spec.name} (${plan.spec.file})`,
    `model ${m.source}: ${m.shape.nLayers} layers × ${m.shape.nHeads} heads, d_model ${m.shape.dModel}; processing ${typeof m.processing === 'string' ? m.processing : JSON.stringify(m.processing)}; backend ${m.backend}`,
    `seed ${plan.seed}, batch size ${plan.batchSize}`,
    ...(plan.workers ? [`workers ${plan.workers.count} (${plan.workers.reason})`] : []),
    'tasks:',
    ...plan.tasks.map((t) => `  ${t.name}: ${JSON.stringify(t.source)}${t.prompts ? `, ${t.prompts} prompts` : ''}${t.positions ? `, ~${t.positions} tokens` : ''}; roles ${t.roles.join(' ')}`),
    'steps:',
  ];
  const width = Math.max(...plan.steps.filter((s) => s.kind !== 'claim').map((s) => s.id.length));
  for (const s of plan.steps) {
    if (s.kind === 'claim') continue;
    const passes = s.forwardPasses ? `  ~${s.forwardPasses} forward passes` : '';
    lines.push(`  ${s.id.padEnd(width)}  ${describeStep(s)}${passes}${s.deps.length ? `  ← ${s.deps.join(', ')}` : ''}`);
  }
  lines.push('claims:');
  for (const c of plan.claims) {
    const mode = c.mode === 'run' ? '' : ` [${c.mode}${c.reason ? `: ${c.reason}` : ''}]`;
    lines.push(`  ${c.name}${mode}: ${c.assert}`);
  }
  const batches = Math.ceil(plan.estimate.forwardPasses / Math.max(1, plan.batchSize));
  lines.push(`estimate: ~${plan.estimate.forwardPasses} prompt forward passes (~${batches} batches of ${plan.batchSize}) over ${plan.estimate.prompts} prompts`);
  return lines.join('\n') + '\n';
}

export async function planCommand(args: CliArgs, io: Output): Promise<number> {
  if (args.paths.length !== 1) throw new CircuitspecError('plan takes one spec file');
  const plan = compileFile(args.paths[0], { model: args.model, backend: args.backend, seed: args.seed, batchSize: args.batchSize, workers: args.workers });
  io.out(args.json ? JSON.stringify(plan, null, 2) + '\n' : formatPlan(plan));
  return 0;
}
