/**
 * A plan with several models, model by model: each part is a one-model plan over that model's tasks and steps
 * (claims, which read across models, stay with the whole). A one-model plan is its own only part.
 */
import type { Plan } from './types.js';

export function perModel(plan: Plan): (Plan & { modelName?: string })[] {
  if (!plan.models) return [plan];
  return plan.models.map(({ name, ...model }) => {
    const { models: _, ...rest } = plan;
    const tasks = plan.tasks.filter((t) => t.model === name);
    return {
      ...rest, model, modelName: name, tasks, steps: plan.steps.filter((s) => s.model === name), claims: [],
      estimate: { forwardPasses: 0, prompts: tasks.reduce((a, t) => a + (t.prompts ?? 0), 0) },
    };
  });
}

/** A task's step id prefix and prebuilt-set key: its name, or `model/name` with several models. */
export const taskKey = (t: { name: string; model?: string }): string => (t.model === undefined ? t.name : `${t.model}/${t.name}`);

/** The id of a task's build step (`task:ioi`, or `large/task:ioi`). */
export const taskStepId = (t: { name: string; model?: string }): string => (t.model === undefined ? `task:${t.name}` : `${t.model}/task:${t.name}`);
