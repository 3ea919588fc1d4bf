/**
 * Metrics → runtime MetricRequests. Named metrics (the spec's `metrics:`) and inline calls in claims
 * (`accuracy(cobj, with=repair)`) both become `MetricArgs` first, then one checked request.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Head, Intervention, MetricRequest, PlanTask } from '../../plan/types.js';
import type { Control, HeadInput, PathPatchNormalization, ResidHook } from '../../runtime/experiments/types.js';
import { parseExpr } from '../expr/index.js';
import type { MetricSpec } from '../schema.js';
import { didYouMean } from '../suggest.js';
import type { Blame, CompileContext } from './context.js';
import { resolveSite, selectHeads } from './heads.js';
import type { CompiledIntervention } from './interventions.js';

export type MetricKind = MetricRequest['kind'];
export const METRIC_KINDS: MetricKind[] = ['logit_diff', 'accuracy', 'answer_prob', 'prob_diff', 'attention', 'dla', 'patching_score', 'path_patch', 'head_scores'];
export const TABLE_KINDS = new Set<MetricKind>(['dla', 'path_patch', 'head_scores']);

export interface Named { name: string; blame: Blame }

/** What a claim reads from a metric: a number, a head table, or (with a random control) a distribution. */
export function metricType(r: MetricRequest): 'number' | 'table' | 'distribution' {
  if ('control' in r && r.control) return 'distribution';
  return TABLE_KINDS.has(r.kind) ? 'table' : 'number';
}

export interface MetricArgs {
  kind: MetricKind;
  blame: Blame;
  task?: Named;
  with?: Named[];
  /** The run the metric is read on (clean or corrupted). */
  run?: Named;
  versus?: 'distractor' | 'mean_others' | 'max_others';
  over?: 'vocab' | 'candidates' | 'distractors';
  /** attention: one head, or several (their mean). */
  heads?: Head[];
  from?: Named;
  /** attention: key roles (their sum). */
  to?: Named[];
  receiver?: 'logits' | { heads: Head[]; input: HeadInput; positions: Named[] } | { resid: ResidHook; layer: number; positions: Named[] };
  senders?: Named[];
  freezeMlps?: boolean;
  rules?: PathPatchRules;
  score?: 'previous_token' | 'duplicate_token' | 'induction';
  seqLen?: number;
  n?: number;
  seed?: number;
  tokensFrom?: Named;
  /** A task name or a token-id file (head_scores on given sequences). */
  sequences?: Named;
}

/** Sender rules and normalisation of a path_patch metric or stage (spec-wide defaults under `pathPatching:`). */
export interface PathPatchRules { sendersBelowReceivers?: boolean; excludeReceivers?: boolean; normalization?: PathPatchNormalization }

/** The spec's `pathPatching:` defaults, overridden field by field by `own`; only set fields are kept. */
export function pathPatchRules(ctx: CompileContext, own: PathPatchRules): PathPatchRules {
  const merged = { ...(ctx.spec.pathPatching ?? {}), ...Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) } as PathPatchRules;
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as PathPatchRules;
}

/** 'blocks.L.hook_resid_X' → a residual receiver, its layer checked against the model. */
export function residReceiver(hook: string, ctx: CompileContext, blame: Blame): { resid: ResidHook; layer: number } {
  const m = /^blocks\.(\d+)\.hook_(resid_pre|resid_mid|resid_post)$/.exec(hook);
  if (!m) throw blame(`receiver hook '${hook}' is not a residual-stream hook (blocks.L.hook_resid_pre, _mid or _post)`);
  const layer = Number(m[1]);
  if (layer >= ctx.shape.nLayers) throw blame(`receiver hook '${hook}': layer ${layer} is out of range (${ctx.modelLabel} has layers 0..${ctx.shape.nLayers - 1})`);
  return { resid: m[2] as ResidHook, layer };
}

export interface BuiltMetric { request: MetricRequest; task?: string; needsCorrupted: boolean }

export function checkRole(task: PlanTask, r: Named): string {
  if (!task.roles.includes(r.name)) {
    throw r.blame(`task '${task.name}' has no role '${r.name}'${didYouMean(r.name, task.roles)} (roles: ${task.roles.join(', ')})`);
  }
  return r.name;
}

export function lookupTask(ctx: CompileContext, t: Named | undefined, blame: Blame): PlanTask {
  if (!t) throw blame('missing the task');
  const task = ctx.tasks.get(t.name);
  if (!task) {
    const names = [...ctx.tasks.keys()];
    throw t.blame(`unknown task '${t.name}'${didYouMean(t.name, names)} (tasks: ${names.join(', ') || 'none'})`);
  }
  return task;
}

export function buildMetric(ctx: CompileContext, a: MetricArgs, interventions: Map<string, CompiledIntervention>): BuiltMetric {
  if (a.kind === 'head_scores') {
    if (a.with?.length) {
      throw a.with[0].blame("head_scores runs on random repeated sequences, not on a task's prompts, so with= has no run to edit: measure the heads under an intervention with attention(task, head, from, to, with=…) or dla(task, with=…)");
    }
    // Repeated sequences are 2·seqLen tokens long and must fit the context (also checked again at run time).
    const maxLen = Math.floor(ctx.shape.nCtx / 2);
    if (a.seqLen !== undefined && (a.seqLen < 2 || a.seqLen > maxLen)) {
      throw a.blame(`seqLen ${a.seqLen} is outside 2..${maxLen}: a repeated sequence is 2·seqLen tokens and ${ctx.modelLabel}'s context is ${ctx.shape.nCtx}`);
    }
    if (a.n !== undefined && a.n < 1) throw a.blame(`n must be at least 1 (got ${a.n})`);
    const from = a.tokensFrom && lookupTask(ctx, a.tokensFrom, a.blame).name;
    const req: MetricRequest = {
      kind: 'head_scores', score: a.score!, ...(a.seqLen !== undefined && { seqLen: a.seqLen }), ...(a.n !== undefined && { n: a.n }),
      ...(a.seed !== undefined && { seed: a.seed }), ...(from && { tokensFrom: from }),
      ...(a.sequences && givenSequences(ctx, a, a.sequences)),
    };
    return { request: req, needsCorrupted: false };
  }
  const task = lookupTask(ctx, a.task, a.blame);
  let needsCorrupted = false;
  let control: Control | undefined;
  /**
   * The metric's interventions, checked for sites both frozen and changed on the run they edit (baseOf; hooks.ts,
   * every control sample too); a random control among them goes to `control` (only where `allowControl`).
   */
  const withList = (allowControl = false): Intervention[] | undefined => {
    if (!a.with || a.with.length === 0) return undefined;
    const out: Intervention[] = [];
    const owner: Named[] = [];
    let controlName: string | undefined;
    let controlOwner: Named | undefined;
    for (const w of a.with) {
      const iv = interventions.get(w.name);
      if (!iv) {
        if (ctx.spec.interventions?.[w.name]) throw w.blame(`intervention '${w.name}' is not on ${ctx.modelLabel}: add it to the intervention's on:`);
        const names = [...interventions.keys()];
        throw w.blame(`unknown intervention '${w.name}'${didYouMean(w.name, names)} (interventions: ${names.join(', ') || 'none'})`);
      }
      for (const r of iv.roles) checkRole(task, { name: r.role, blame: r.blame });
      needsCorrupted ||= iv.needsCorrupted;
      out.push(...iv.items);
      owner.push(...iv.items.map(() => w));
      if (iv.control) {
        if (!allowControl) throw w.blame(`'${w.name}' is a random control (heads: random(…)): ${a.kind} cannot take one (logit_diff, accuracy, answer_prob, prob_diff and patching_score can)`);
        if (controlName) throw w.blame(`two random controls in one metric ('${controlName}' and '${w.name}'): give each its own metric`);
        controlName = w.name;
        controlOwner = w;
        control = iv.control;
      }
    }
    const base = baseOf([...out, ...(control?.samples[0] ?? [])], a.run?.name);
    if (control) for (const sample of control.samples) checkFrozen([...out, ...sample], [...owner, ...sample.map(() => controlOwner!)], base);
    else checkFrozen(out, owner, base);
    return out.length ? out : undefined;
  };
  const withControl = () => (control ? { control } : {});
  /** `run` as the request carries it: only where it differs from the default the runtime would take. */
  const runOf = (w: Intervention[] | undefined): { run?: 'corrupted' | 'clean' } => {
    const run = a.run?.name as 'clean' | 'corrupted' | undefined;
    if (run === 'corrupted') needsCorrupted = true;
    return run !== undefined && run !== baseOf([...(w ?? []), ...(control?.samples[0] ?? [])]) ? { run } : {};
  };
  const t = task.name;
  let request: MetricRequest;
  switch (a.kind) {
    case 'logit_diff': {
      const w = withList(true);
      request = { kind: 'logit_diff', task: t, ...(a.versus && { versus: a.versus }), ...(w && { with: w }), ...withControl(), ...runOf(w) };
      break;
    }
    case 'accuracy': {
      const w = withList(true);
      request = { kind: 'accuracy', task: t, ...(a.over && { over: a.over }), ...(w && { with: w }), ...withControl(), ...runOf(w) };
      break;
    }
    case 'answer_prob': {
      const w = withList(true);
      request = { kind: 'answer_prob', task: t, ...(w && { with: w }), ...withControl(), ...runOf(w) };
      break;
    }
    case 'prob_diff': {
      const w = withList(true);
      request = { kind: 'prob_diff', task: t, ...(w && { with: w }), ...withControl(), ...runOf(w) };
      break;
    }
    case 'attention': {
      if (!a.heads?.length || !a.from || !a.to?.length) throw a.blame('attention needs a head, a from role and a to role (or a hook_pattern site)');
      const w = withList();
      const [head, ...alsoHeads] = a.heads;
      const [to, ...alsoTo] = a.to.map((r) => checkRole(task, r));
      request = {
        kind: 'attention', task: t, head, from: checkRole(task, a.from), to, ...(alsoHeads.length && { alsoHeads }), ...(alsoTo.length && { alsoTo }),
        ...(w && { with: w }), ...runOf(w),
      };
      break;
    }
    case 'dla': {
      const w = withList();
      request = { kind: 'dla', task: t, ...(w && { with: w }), ...runOf(w) };
      break;
    }
    case 'patching_score': {
      if (a.run) throw a.run.blame('patching_score compares the patched run with both runs: it takes no run=');
      const w = withList(true);
      if (!w && !control) throw a.blame('patching_score needs interventions (with: …)');
      request = { kind: 'patching_score', task: t, with: w ?? [], ...withControl() };
      needsCorrupted = true;
      break;
    }
    case 'path_patch': {
      const r = a.receiver ?? 'logits';
      const positions = r === 'logits' ? [] : r.positions.map((p) => checkRole(task, p));
      const receivers = r === 'logits' ? r : 'resid' in r ? { resid: r.resid, layer: r.layer, positions } : { heads: r.heads, input: r.input, positions };
      const all = allPositions(a.senders, task, r);
      const senders = all ? undefined : a.senders?.map((s) => checkRole(task, s));
      request = {
        kind: 'path_patch', task: t, receivers, ...(senders && { senderPositions: senders }), ...(all && { allSenderPositions: true }), ...(a.freezeMlps !== undefined && { freezeMlps: a.freezeMlps }),
        ...pathPatchRules(ctx, a.rules ?? {}),
      };
      needsCorrupted = true;
      break;
    }
  }
  return { request, task: t, needsCorrupted };
}

/** The run a with-list edits: `run`, else the clean run unless every patch copies from the clean run. */
function baseOf(ivs: Intervention[], run?: string): 'clean' | 'corrupted' {
  if (run === 'clean' || run === 'corrupted') return run;
  const froms = new Set(ivs.flatMap((iv) => (iv.type === 'patch' ? [iv.from] : [])));
  return froms.size === 1 && froms.has('clean') ? 'corrupted' : 'clean';
}

/**
 * A patch from the edited run itself freezes its site; the same site (hook, a shared head, a shared role or all
 * positions) must not also be patched from the other run, ablated or overridden. The runtime checks the resolved
 * positions again, per prompt.
 */
function checkFrozen(ivs: Intervention[], owner: Named[], base: 'clean' | 'corrupted'): void {
  const sites = (iv: Intervention): { hook: string; heads?: number[]; positions?: string[] }[] => iv.type === 'attention_override' || iv.type === 'attention_block'
    ? [...new Set(iv.heads.map((h) => h.layer))].map((l) => ({ hook: `blocks.${l}.attn.hook_pattern`, heads: iv.heads.filter((h) => h.layer === l).map((h) => h.head), positions: [iv.query] }))
    : [{ hook: iv.hook, heads: iv.heads, positions: iv.positions }];
  const meet = <T>(x?: T[], y?: T[]) => !x?.length || !y?.length || x.some((v) => y.includes(v));
  const frozen = (iv: Intervention) => iv.type === 'patch' && iv.from === base;
  ivs.forEach((f, i) => {
    if (!frozen(f)) return;
    ivs.forEach((w, j) => {
      if (frozen(w)) return;
      for (const fs of sites(f)) {
        for (const ws of sites(w)) {
          if (fs.hook !== ws.hook || !meet(fs.heads, ws.heads) || !meet(fs.positions, ws.positions)) continue;
          const what = w.type === 'patch' ? `patches it from the ${w.from} run` : w.type === 'ablate' ? 'ablates it' : w.type === 'attention_block' ? 'blocks it' : 'overrides it';
          throw owner[j].blame(
            `'${owner[i].name}' freezes ${fs.hook}${fs.heads ? ` (heads ${fs.heads.join(', ')})` : ''} to the ${base} run and '${owner[j].name}' ${what}: a site is either held or changed, not both`,
          );
        }
      }
    });
  });
}

/**
 * head_scores on given sequences: a task's prompts, else a file of token ids. Their count becomes `n` (the first n
 * when n is given) so the plan's estimate counts them; ids and lengths are checked by preflight.
 */
function givenSequences(ctx: CompileContext, a: MetricArgs, seq: Named): { sequencesFrom: string; n?: number } | { sequencesFile: string; n: number } {
  if (a.seqLen !== undefined || a.seed !== undefined || a.tokensFrom) {
    throw seq.blame('given sequences are scored as they are: seqLen, seed and tokensFrom shape random ones, drop them');
  }
  const task = ctx.tasks.get(seq.name);
  const file = resolve(ctx.baseDir, seq.name);
  if (!task && !(existsSync(file) && statSync(file).isFile())) {
    const names = [...ctx.tasks.keys()];
    throw seq.blame(`sequences '${seq.name}' is neither a task${didYouMean(seq.name, names)} (tasks: ${names.join(', ') || 'none'}) nor a file (${file} does not exist)`);
  }
  const count = task ? task.prompts : countSequences(file);
  if (a.n !== undefined && count !== undefined && a.n > count) throw a.blame(`n ${a.n} is more than the ${count} sequences of '${seq.name}'`);
  const n = a.n ?? count;
  return task ? { sequencesFrom: task.name, ...(n !== undefined && { n }) } : { sequencesFile: file, n: n! };
}

/** Sequence lines of a file (blank and // lines skipped, as its loader does). */
function countSequences(file: string): number {
  return readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('//')).length;
}

/**
 * `senders: all` (a task role named 'all' keeps its meaning): patch senders at every position. z receivers read
 * senders at the receiver positions only (path patching's runtime), so there it is an error.
 */
export function allPositions(senders: Named[] | undefined, task: PlanTask, receiver: 'logits' | { input: string } | { resid: string }): boolean {
  if (senders?.length !== 1 || senders[0].name !== 'all' || task.roles.includes('all')) return false;
  if (receiver !== 'logits' && 'input' in receiver && receiver.input === 'z') {
    throw senders[0].blame('z receivers take senders at the receiver positions only: senders: all is not computed for them');
  }
  return true;
}

/** A `metrics:` entry → MetricArgs (blaming its YAML fields). */
export function argsFromSpec(ctx: CompileContext, name: string, m: MetricSpec): MetricArgs {
  const path = ['metrics', name];
  const named = (field: string, value: string): Named => ({ name: value, blame: ctx.at([...path, field]) });
  const list = (field: string, v: string | string[] | undefined): Named[] | undefined =>
    v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map((x, i) => ({ name: x, blame: ctx.at(Array.isArray(v) ? [...path, field, i] : [...path, field]) }));
  const a: MetricArgs = { kind: m.kind, blame: ctx.at(path, true) };
  if ('task' in m) a.task = named('task', m.task);
  if ('with' in m) a.with = list('with', m.with);
  if ('run' in m && m.run !== undefined) a.run = named('run', m.run);
  switch (m.kind) {
    case 'logit_diff': a.versus = m.versus; break;
    case 'accuracy': a.over = m.over; break;
    case 'attention': {
      if (m.site !== undefined) {
        if (m.head !== undefined || m.from !== undefined || m.to !== undefined) throw ctx.at(path, true)("give either 'site' or 'head', 'from' and 'to'");
        const origin = ctx.origin([...path, 'site'], m.site);
        const site = resolveSite(parseExpr(m.site, origin), ctx.shape, origin, ctx.modelLabel);
        if (site.info.suffix !== 'attn.hook_pattern' || typeof site.index.head !== 'number' || typeof site.index.query !== 'string' || typeof site.index.key !== 'string') {
          throw ctx.at([...path, 'site'])("an attention site is 'blocks.L.attn.hook_pattern[head=H, query=ROLE, key=ROLE]'");
        }
        a.heads = [{ layer: site.info.layer!, head: site.index.head }];
        a.from = named('site', site.index.query);
        a.to = [named('site', site.index.key)];
      } else {
        if (m.head === undefined) throw ctx.at(path, true)("attention needs 'head' (or 'site')");
        const origin = ctx.origin([...path, 'head'], m.head);
        const sel = selectHeads(parseExpr(m.head, origin), ctx.shape, origin, ctx.modelLabel);
        if (sel.heads.length === 0 || sel.names.length) throw ctx.at([...path, 'head'])('attention takes literal heads, like 12.3 or {15.14, 16.15} (their mean)');
        a.heads = sel.heads;
        if (m.from !== undefined) a.from = named('from', m.from);
        if (m.to !== undefined) a.to = list('to', m.to);
      }
      break;
    }
    case 'path_patch': {
      if (m.to !== undefined && m.to !== 'logits') {
        const positions = list('to', m.to.positions)!.map((p, i) => ({ ...p, blame: ctx.at([...path, 'to', 'positions', i]) }));
        if ('hook' in m.to) {
          a.receiver = { ...residReceiver(m.to.hook, ctx, ctx.at([...path, 'to', 'hook'])), positions };
        } else {
          const origin = ctx.origin([...path, 'to', 'heads'], m.to.heads);
          const sel = selectHeads(parseExpr(m.to.heads, origin), ctx.shape, origin, ctx.modelLabel);
          if (sel.names.length) throw origin.error(`'${sel.names[0].name}' is not a head: path_patch metrics take literal receiver heads (use circuits for stages)`, sel.names[0].offset);
          a.receiver = { heads: sel.heads, input: m.to.input, positions };
        }
      }
      a.senders = list('senders', m.senders);
      a.freezeMlps = m.freezeMlps;
      a.rules = { sendersBelowReceivers: m.sendersBelowReceivers, excludeReceivers: m.excludeReceivers, normalization: m.normalization };
      break;
    }
    case 'head_scores':
      Object.assign(a, { score: m.score, seqLen: m.seqLen, n: m.n, seed: m.seed });
      if (m.tokensFrom !== undefined) a.tokensFrom = named('tokensFrom', m.tokensFrom);
      if (m.sequences !== undefined) a.sequences = named('sequences', m.sequences);
      break;
  }
  return a;
}
