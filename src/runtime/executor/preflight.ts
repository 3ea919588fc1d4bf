/**
 * Everything about a plan's inputs that can be checked without compute, run by `validate` and by `run` before any
 * weights load: the backend is installed; the checkpoint's config, header, tensor names, shapes and dtypes agree
 * (no weight is read); every task builds with the model's tokenizer and passes its checks (file:line for JSONL,
 * data ranges, lengths against the context); head scores' sequence files (ids, lengths); the metrics have what
 * they read (distractors). Problems are
 * CircuitspecErrors (exit 2); doubtful inputs that still run are warnings naming the prompt or token.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CircuitspecError, CircuitspecErrors } from '../../errors.js';
import type { Plan, PlanTask } from '../../plan/types.js';
import { inspectGPT2Checkpoint, readHFConfig } from '../io/checkpoint.js';
import { configFromHF, namedConfig, NAMED_SHAPES, type ModelConfig } from '../model/config.js';
import { SafetensorsFile } from '../io/safetensors.js';
import { buildTask, checkTask } from '../tasks/index.js';
import { loadSequenceFile } from '../tasks/sequences.js';
import { untrainedWarnings } from '../tasks/untrained.js';
import type { Prompt, PromptSet } from '../tasks/types.js';
import { gpt2Tokenizer, loadTokenizer, type Tokenizer } from '../tokenizer/index.js';

export interface PreflightReport {
  warnings: string[];
  /** The built prompt sets: the executor reuses them when `exact` (built with the very tokenizer it will load). */
  tasks: Map<string, PromptSet>;
  /** False for a hub model not yet downloaded: its tasks were checked with GPT-2's tokenizer and shapes. */
  exact: boolean;
}

interface ModelInputs { config: ModelConfig; tokenizer: Tokenizer; exact: boolean; folder?: string }

export async function preflight(plan: Plan): Promise<PreflightReport> {
  checkBackend(plan.model.backend);
  const model = await modelInputs(plan.model.source);
  const errors: CircuitspecError[] = [];
  const warnings: string[] = [];
  const tasks = new Map<string, PromptSet>();
  for (const t of plan.tasks) {
    try {
      const set = buildTask(t.name, t.source, model.tokenizer, { prependBos: t.prependBos, baseDir: t.baseDir });
      checkTask(set, model.config, model.tokenizer);
      checkDistractors(plan, t, set);
      checkRoles(plan, t, set);
      warnings.push(...answerWarnings(set));
      tasks.set(t.name, set);
    } catch (e) {
      if (!(e instanceof CircuitspecError)) throw e;
      // Errors without a file of their own (a generator's) point at the task in the spec.
      const where = e.location.file || !t.at ? e.location
        : { file: t.at.file, line: t.at.line, column: t.at.column, field: `tasks.${t.name}${e.location.field && !e.location.field.startsWith('tasks.') ? `.${e.location.field}` : ''}` };
      errors.push(new CircuitspecError(e.message.includes(`'${t.name}'`) ? e.message : `task '${t.name}': ${e.message}`, where));
    }
  }
  for (const s of plan.steps) {
    if (s.kind !== 'metric' || s.request.kind !== 'head_scores' || s.request.sequencesFile === undefined) continue;
    try {
      loadSequenceFile(s.request.sequencesFile, model.config);
    } catch (e) {
      if (!(e instanceof CircuitspecError)) throw e;
      errors.push(new CircuitspecError(`metric '${s.name}': ${e.message}`, e.location));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new CircuitspecErrors(errors);
  if (model.folder) warnings.push(...(await untrainedInCheckpoint(model.folder, [...tasks.values()])));
  return { warnings, tasks, exact: model.exact };
}

/** `--backend tensorflow` needs the optional native package; say so before anything runs. */
function checkBackend(backend: Plan['model']['backend']): void {
  if (backend !== 'tensorflow') return;
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
  } catch {
    throw new CircuitspecError("backend 'tensorflow' needs @tensorflow/tfjs-node, which is not installed (npm install @tensorflow/tfjs-node, or use --backend wasm)", { field: 'backend' });
  }
}

/** The config and tokenizer a model's tasks are checked with; a local checkpoint's header is checked too. */
async function modelInputs(source: string): Promise<ModelInputs> {
  if (source.startsWith('random:')) return { config: namedConfig(source.slice('random:'.length)), tokenizer: gpt2Tokenizer(), exact: true };
  let folder: string | undefined = existsSync(source) && statSync(source).isDirectory() ? source : undefined;
  if (!folder) {
    // A hub id: check the cached snapshot when there is one (no network here); otherwise it is checked on download.
    const { resolveModelSource } = await import('../io/hub.js');
    folder = await resolveModelSource(source, { offline: true }).catch(() => undefined);
  }
  if (!folder) {
    const name = source.replace(/^(openai-community|openai)\//, '').replace(/@.*$/, '');
    return { config: namedConfig(NAMED_SHAPES[name] ? name : 'gpt2'), tokenizer: gpt2Tokenizer(), exact: false };
  }
  const hf = await readHFConfig(folder);
  const config = configFromHF(hf, `${folder}/config.json`);
  await inspectGPT2Checkpoint(folder, hf);
  return { config, tokenizer: await loadTokenizer(folder), exact: true, folder };
}

/** Untrained answer tokens, from a few hundred embedding rows read straight from the checkpoint. */
async function untrainedInCheckpoint(folder: string, sets: PromptSet[]): Promise<string[]> {
  const st = await SafetensorsFile.open(join(folder, 'model.safetensors'));
  try {
    const name = ['wte.weight', 'transformer.wte.weight'].find((n) => st.tensors.has(n));
    if (!name) return [];
    const vocab = st.info(name).shape[0];
    return sets.flatMap((set) => untrainedWarnings(set, vocab, (ids) => st.readRows(name, ids)));
  } finally {
    await st.close();
  }
}

/** Metrics that compare the answer with a distractor (or that patch towards one) read `distractorIds[0]`. */
function needsDistractor(plan: Plan, task: string): string | undefined {
  for (const s of plan.steps) {
    if (s.kind === 'circuit' && s.task === task && s.stages.length) return `circuit '${s.name}' (path patching measures the logit difference)`;
    if (s.kind !== 'metric' || !('task' in s.request) || s.request.task !== task) continue;
    const r = s.request;
    if (r.kind === 'logit_diff' && (r.versus ?? 'distractor') === 'distractor') return `metric '${s.name}' (logit_diff against the distractor)`;
    if (r.kind === 'patching_score' || r.kind === 'path_patch' || r.kind === 'dla') return `metric '${s.name}' (${r.kind} measures the logit difference)`;
  }
  return undefined;
}

function promptName(p: Prompt): string {
  return `prompt ${p.id}${p.meta?.line !== undefined ? ` (line ${p.meta.line})` : ''}`;
}

function checkDistractors(plan: Plan, t: PlanTask, set: PromptSet): void {
  const reader = needsDistractor(plan, t.name);
  if (!reader) return;
  const bare = set.prompts.find((p) => p.distractorIds.length === 0);
  if (!bare) return;
  const file = typeof bare.meta?.file === 'string' ? bare.meta.file : undefined;
  const line = typeof bare.meta?.line === 'number' ? bare.meta.line : undefined;
  throw new CircuitspecError(
    `task '${t.name}', ${promptName(bare)} has no distractor, but ${reader} needs one on every prompt (it would be NaN): add "distractors" to every line`,
    { ...(file && { file }), ...(line !== undefined && { line }), field: 'distractors' },
  );
}

/** Role → the first step that reads it on this task's prompts. */
function rolesRead(plan: Plan, task: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (roles: Iterable<string> | undefined, who: string) => {
    for (const r of roles ?? []) if (!out.has(r)) out.set(r, who);
  };
  for (const s of plan.steps) {
    if (s.kind === 'circuit' && s.task === task) {
      for (const st of s.stages) {
        add(st.senderPositions ?? ['END'], `circuit '${s.name}'`);
        if (st.receiver !== 'logits') add(st.receiver.positions, `circuit '${s.name}'`);
      }
    }
    if (s.kind !== 'metric' || !('task' in s.request) || s.request.task !== task) continue;
    const r = s.request, who = `metric '${s.name}'`;
    if (r.kind === 'attention') add([r.from, r.to, ...(r.alsoTo ?? [])], who);
    if (r.kind === 'path_patch') {
      add(r.senderPositions ?? (r.receivers === 'logits' ? ['END'] : []), who);
      if (r.receivers !== 'logits') add(r.receivers.positions, who);
    }
    if ('with' in r || 'control' in r) {
      // A control's samples name the same roles; its first sample stands for all.
      const ivs = [...(('with' in r && r.with) || []), ...(('control' in r && r.control?.samples[0]) || [])];
      for (const iv of ivs) {
        if (iv.type === 'attention_override') add([iv.query, ...Object.keys(iv.keys)], who);
        else if (iv.type === 'attention_block') add([iv.query, ...iv.keys], who);
        else add(iv.positions, who);
      }
    }
  }
  return out;
}

/** A JSONL line may name its own roles; one a metric reads must be on every line, or the run fails midway. */
function checkRoles(plan: Plan, t: PlanTask, set: PromptSet): void {
  for (const [role, who] of rolesRead(plan, t.name)) {
    const lacking = set.prompts.find((p) => !(role in p.roles));
    if (!lacking) continue;
    const file = typeof lacking.meta?.file === 'string' ? lacking.meta.file : undefined;
    const line = typeof lacking.meta?.line === 'number' ? lacking.meta.line : undefined;
    throw new CircuitspecError(`task '${t.name}', ${promptName(lacking)} has no role ${role}, which ${who} reads on every prompt`, {
      ...(file && { file }), ...(line !== undefined && { line }), field: `roles.${role}`,
    });
  }
}

/**
 * GPT-2 writes a word after a space as one token with its space (' Mary'); an answer without it ('Mary') is another
 * token the model rarely predicts there, so every number about it is meaningless.
 */
function answerWarnings(set: PromptSet): string[] {
  // Digits after digits continue a number (Greater-Than's "17" + "32"): no space is expected there.
  const bare = set.prompts.filter((p) => !p.givenIds && /^[A-Za-z0-9]/.test(p.answer) && /[^\s]$/.test(p.text) && !(/^\d/.test(p.answer) && /\d$/.test(p.text)));
  if (!bare.length) return [];
  const first = bare[0];
  return [
    `task '${set.name}': ${bare.length} of ${set.prompts.length} answers have no leading space (first: ${promptName(first)}, ${JSON.stringify(first.answer)}); ` +
      `after a word the model predicts ${JSON.stringify(' ' + first.answer)}, so these answers likely measure the wrong token`,
  ];
}
