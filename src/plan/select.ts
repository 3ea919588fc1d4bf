/**
 * Which claims run (`only`, --filter, --tag) and which steps they need: steps no running claim reads are dropped,
 * except named metrics and circuits when nothing was filtered (results hold every metric value).
 */
import { taskStepId } from './per-model.js';
import type { Plan, PlanClaim } from './types.js';

export interface Selection {
  /** Substring (or /regex/) matched against "spec name > claim name". */
  filter?: string;
  tags?: string[];
}

function matcher(filter: string): (s: string) => boolean {
  const re = /^\/(.*)\/([a-z]*)$/.exec(filter);
  if (re) {
    const r = new RegExp(re[1], re[2]);
    return (s) => r.test(s);
  }
  return (s) => s.toLowerCase().includes(filter.toLowerCase());
}

export function isSelected(plan: Plan, c: PlanClaim, sel: Selection, anyOnly: boolean): boolean {
  if (anyOnly && !c.only) return false;
  if (sel.filter && !matcher(sel.filter)(`${plan.spec.name} > ${c.name}`)) return false;
  if (sel.tags?.length && !sel.tags.some((t) => c.tags.includes(t))) return false;
  return true;
}

/** The plan restricted to selected claims; `dropped` are the claims left out. */
export function selectClaims(plan: Plan, sel: Selection): { plan: Plan; dropped: PlanClaim[] } {
  const anyOnly = plan.claims.some((c) => c.only);
  const kept = plan.claims.filter((c) => isSelected(plan, c, sel, anyOnly));
  const dropped = plan.claims.filter((c) => !kept.includes(c));
  const narrowed = anyOnly || !!sel.filter || !!sel.tags?.length;
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const need = new Set<string>();
  const add = (id: string) => {
    if (need.has(id)) return;
    need.add(id);
    for (const d of byId.get(id)?.deps ?? []) add(d);
  };
  for (const c of kept) {
    // A skipped claim reads nothing: its step stays (to report the skip), the steps only it reads go.
    if (c.mode === 'skip') need.add(`claim:${c.name}`);
    else [`claim:${c.name}`, ...c.needs].forEach(add);
  }
  if (!narrowed) for (const s of plan.steps) if ((s.kind === 'metric' && s.named) || s.kind === 'circuit') add(s.id);
  const steps = plan.steps.filter((s) => need.has(s.id));
  return {
    plan: {
      ...plan,
      claims: kept,
      steps,
      tasks: plan.tasks.filter((t) => need.has(taskStepId(t))),
      estimate: { ...plan.estimate, forwardPasses: steps.reduce((a, s) => a + s.forwardPasses, 0) },
    },
    dropped,
  };
}
