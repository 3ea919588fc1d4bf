/**
 * `circuitspec plan <spec>`: the compiled plan (steps, sizes, cost) without running it. Per step its forward-pass
 * equivalents (FPE, 1 = one forward pass over the step's task) and, calibrated by a short measured forward pass
 * (calibrate.ts), its time on this machine.
 */
import { CircuitspecError } from '../../errors.js';
import { compileFile } from '../../dsl/compile.js';
import { perModel } from '../../plan/per-model.js';
import type { Plan, PlanStep } from '../../plan/types.js';
import type { PathPatchReceivers } from '../../runtime/experiments/types.js';
import { estimatePlan, stepMs, type StepEstimate } from '../../plan/estimate.js';
import { calibrate, type Calibration } from '../calibrate.js';
import type { Output } from '../../report/index.js';
import type { CliArgs } from '../args.js';

function receiversLabel(r: PathPatchReceivers): string {
  if (r === 'logits') return 'logits';
  return 'resid' in r ? `blocks.${r.layer}.hook_${r.resid} at ${r.positions.join(', ')}` : `${r.heads.length} heads' ${r.input} at ${r.positions.join(', ')}`;
}

function describeStep(s: PlanStep): string {
  if (s.kind === 'metric') {
    const r = s.request;
    const task = 'task' in r ? ` on ${r.task}` : '';
    const withN = 'with' in r && r.with?.length ? ` with ${r.with.length} intervention(s)` : '';
    const recv = r.kind === 'path_patch' ? ` → ${receiversLabel(r.receivers)}` : '';
    const control = 'control' in r && r.control ? `, random control: ${r.control.samples.length} head sets` : '';
    return `${r.kind}${task}${recv}${withN}${control}`;
  }
  if (s.kind === 'circuit') return s.declared ? `declared, ${s.declared.length} heads` : `${s.stages.length} path-patching stage(s) on ${s.task}: ${s.stages.map((x) => `${x.name} (${x.role})`).join(', ')}`;
  return s.label;
}

export interface PlanCosts { steps: StepEstimate[]; calibration?: Calibration }

const seconds = (ms: number): string => (ms < 1000 ? `${Math.max(0.1, ms / 1000).toFixed(1)} s` : ms < 120_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 60_000).toFixed(1)} min`);
const fpe = (x: number): string => (x >= 10 ? x.toFixed(0) : x.toFixed(x >= 1 ? 1 : 2));

/** Per step: FPE, and time when calibrated; with N workers a task's batches split N ways (at most one per batch). */
function stepTime(e: StepEstimate, plan: Plan, cal: Calibration | undefined, shapes: Map<string, number>): { one: number; many: number } | undefined {
  if (!cal) return undefined;
  const one = stepMs(e, cal);
  const batches = e.task === undefined ? 1 : shapes.get(e.task) ?? 1;
  return { one, many: one / Math.max(1, Math.min(plan.workers?.count ?? 1, batches)) };
}

const modelLine = (m: Plan['model'], name?: string): string =>
  `model ${name === undefined ? '' : `${name}: `}${m.source}: ${m.shape.nLayers} layers × ${m.shape.nHeads} heads, d_model ${m.shape.dModel}; processing ${typeof m.processing === 'string' ? m.processing : JSON.stringify(m.processing)}; backend ${m.backend}`;

/** One model's tasks, steps with their costs, and totals. */
function modelLines(plan: Plan, costs: PlanCosts, indent: string): string[] {
  const lines = [
    'tasks:',
    ...plan.tasks.map((t) => `  ${t.name}: ${JSON.stringify(t.source)}${t.prompts ? `, ${t.prompts} prompts` : ''}${t.positions ? `, ~${t.positions} tokens` : ''}; roles ${t.roles.join(' ')}`),
    'steps:',
  ];
  const width = Math.max(...plan.steps.filter((s) => s.kind !== 'claim').map((s) => s.id.length));
  const cal = costs.calibration;
  const batchCounts = new Map(plan.tasks.map((t) => [t.name, Math.ceil((t.prompts ?? 0) / plan.batchSize)]));
  let one = 0, many = 0;
  for (const s of plan.steps) {
    if (s.kind === 'claim') continue;
    const e = costs.steps.find((x) => x.id === s.id);
    const t = e && stepTime(e, plan, cal, batchCounts);
    if (t) { one += t.one; many += t.many; }
    const unit = e?.task === undefined ? 'of its sequences' : `of ${e.task}`;
    const guess = s.kind === 'circuit' && s.stages.some((x) => x.receiver !== 'logits' && 'stages' in x.receiver && x.receiver.stages.length) ? ', receivers from earlier stages assumed at mid-depth' : '';
    const cost = e && e.fpe > 0 ? `  ~${fpe(e.fpe)} FPE ${unit}${t ? `, ~${seconds(t.one)}` : ''}${guess}` : '';
    lines.push(`  ${s.id.padEnd(width)}  ${describeStep(s)}${cost}${s.deps.length ? `  ← ${s.deps.join(', ')}` : ''}`);
  }
  const passes = plan.steps.reduce((a, st) => a + st.forwardPasses, 0);
  const batches = Math.ceil(passes / Math.max(1, plan.batchSize));
  lines.push(`estimate: ~${passes} prompt forward passes (~${batches} batches of ${plan.batchSize}) over ${plan.estimate.prompts} prompts`);
  if (cal) {
    const workers = plan.workers?.count ?? 1;
    lines.push(`time: ~${seconds(one)} of model work on this machine with 1 worker${workers > 1 ? `, ~${seconds(many)} with ${workers}` : ''} (plus loading the model)`);
    lines.push(`  calibrated by a forward pass of ${cal.model} on ${cal.rows}×${cal.positions} tokens: ${cal.ms.toFixed(0)} ms`);
    for (const u of cal.unbuilt) lines.push(`  task not built, typical lengths assumed: ${u}`);
  }
  return lines.map((l) => indent + l);
}

/** A plan as text; with several models, each model's part (`parts`, from perModel) in run order, then the claims. */
export function formatPlan(plan: Plan, costs: PlanCosts = { steps: estimatePlan(plan) }, parts?: { plan: Plan; costs: PlanCosts }[]): string {
  const lines = [
    `plan ${plan.spec.name} (${plan.spec.file})`,
    ...(plan.models ? [] : [modelLine(plan.model)]),
    `seed ${plan.seed}, batch size ${plan.batchSize}`,
    ...(plan.workers ? [`workers ${plan.workers.count} (${plan.workers.reason})`] : []),
  ];
  if (plan.models) {
    const each = parts ?? perModel(plan).map((p) => ({ plan: p, costs: { steps: estimatePlan(p) } }));
    lines.push(`${plan.models.length} models, run one after another (one in memory at a time):`);
    plan.models.forEach((m, i) => lines.push(modelLine(m, m.name), ...modelLines(each[i].plan, each[i].costs, '  ')));
  } else lines.push(...modelLines(plan, costs, ''));
  lines.push('claims:');
  for (const c of plan.claims) {
    const mode = c.mode === 'run' ? '' : ` [${c.mode}${c.reason ? `: ${c.reason}` : ''}]`;
    lines.push(`  ${c.name}${mode}: ${c.assert}`);
  }
  if (plan.models) {
    const batches = Math.ceil(plan.estimate.forwardPasses / Math.max(1, plan.batchSize));
    lines.push(`estimate (all models): ~${plan.estimate.forwardPasses} prompt forward passes (~${batches} batches of ${plan.batchSize}) over ${plan.estimate.prompts} prompts`);
  }
  return lines.join('\n') + '\n';
}

export async function planCommand(args: CliArgs, io: Output): Promise<number> {
  if (args.paths.length !== 1) throw new CircuitspecError('plan takes one spec file');
  const plan = compileFile(args.paths[0], { model: args.model, backend: args.backend, seed: args.seed, batchSize: args.batchSize, limit: args.limit, workers: args.workers });
  // Each model is calibrated and its tasks built with its own weights and tokenizer.
  const parts: { plan: Plan; costs: PlanCosts }[] = [];
  for (const part of perModel(plan)) {
    const { calibration, shapes } = await calibrate(part);
    parts.push({ plan: part, costs: { steps: estimatePlan(part, shapes), calibration } });
  }
  const costs: PlanCosts = plan.models ? { steps: parts.flatMap((p) => p.costs.steps) } : parts[0].costs;
  io.out(args.json ? JSON.stringify({ ...plan, costs }, null, 2) + '\n' : formatPlan(plan, costs, parts));
  return 0;
}
