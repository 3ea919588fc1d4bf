/**
 * Claim expressions → typed ClaimExprs. Names resolve here (metrics, circuits, tasks, interventions, roles);
 * inline metric calls become (shared) metric steps.
 */
import type { Arg, Expr } from '../expr/ast.js';
import { printExpr, type ExprOrigin } from '../expr/index.js';
import { didYouMean } from '../suggest.js';
import type { ClaimExpr, FnName, Head, Tol, ValueType } from '../../plan/types.js';
import type { Blame, CompileContext } from './context.js';
import { ALL_FUNCTIONS, METRIC_PARAMS, VALUE_FNS, type ParamType } from './functions.js';
import { checkHead, numberAsHead, resolveSite, selectHeads } from './heads.js';
import type { CompiledIntervention } from './interventions.js';
import { buildMetric, METRIC_KINDS, metricType, type MetricArgs, type MetricKind, type Named } from './metrics.js';
import type { StepGraph } from './steps.js';

export interface ClaimScope {
  ctx: CompileContext;
  graph: StepGraph;
  interventions: Map<string, CompiledIntervention>;
  metrics: Map<string, { id: string; type: 'number' | 'table' | 'distribution' }>;
  circuits: Map<string, { id: string; roles: string[] }>;
  origin: ExprOrigin;
  defaultTol?: Tol;
  needs: Set<string>;
  /** A spec with several models: each one's context and steps, for metric calls (`accuracy(t, on=large)`). */
  models?: Map<string, Pick<ClaimScope, 'ctx' | 'graph' | 'interventions'>>;
}

/**
 * A metric or circuit by name: `name@model`, or a plain name where it runs on one model. A plain name on several
 * models, or a model it does not run on, is an error that says what to write.
 */
function lookup<T>(map: Map<string, T>, name: string, s: ClaimScope, blame: Blame): T | undefined {
  const found = map.get(name);
  if (found || !s.models) return found;
  const [base, model] = name.split('@');
  const on = [...s.models.keys()].filter((m) => map.has(`${base}@${m}`));
  if (on.length === 0) return undefined;
  if (model === undefined) throw blame(`'${base}' runs on ${on.length} models: say which, e.g. ${base}@${on[0]} (${on.map((m) => `${base}@${m}`).join(', ')})`);
  const models = [...s.models.keys()];
  if (!models.includes(model)) throw blame(`unknown model '${model}'${didYouMean(model, models)} (models: ${models.join(', ')})`);
  throw blame(`'${base}' does not run on ${model} (it runs on ${on.join(', ')}): add ${model} to its on:`);
}

export function typeOf(e: ClaimExpr): ValueType {
  switch (e.op) {
    case 'num': return 'number';
    case 'heads': case 'circuit': return 'heads';
    case 'metric': return e.type;
    case 'fn': return e.type;
    default: return 'bool';
  }
}

const TYPE_WORD: Record<ValueType, string> = {
  number: 'a number', heads: 'a head set', table: 'a head table', distribution: 'a random control (a distribution over samples)', bool: 'a true/false claim',
};
const DISTRIBUTION_HINT = ' (read a random control with mean(…) or sd(…), or compare a value to it with beats(value, control, k) or below(value, control, k))';

export function compileClaimExpr(e: Expr, s: ClaimScope): ClaimExpr {
  const out = check(e, s);
  if (typeOf(out) !== 'bool') {
    throw blameAt(s, e)(`a claim must be a comparison or a set claim, but this is ${TYPE_WORD[typeOf(out)]} (e.g. '${printExpr(e)} > 0.5')`);
  }
  return out;
}

const blameAt = (s: ClaimScope, e: Expr | undefined): Blame => (m) => s.origin.error(m, e?.at?.start ?? 0);

function expect(e: Expr, s: ClaimScope, want: ValueType | 'head'): ClaimExpr {
  const asHead = numberAsHead(e);
  if ((want === 'heads' || want === 'head') && asHead) {
    return { op: 'heads', heads: [checkHead(asHead, s.ctx.shape, s.origin, e.at?.start ?? 0, s.ctx.modelLabel)], text: printExpr(e) };
  }
  const c = check(e, s);
  const got = typeOf(c);
  if (want === 'head') {
    if (c.op === 'heads' && c.heads.length === 1) return c;
    throw blameAt(s, e)(`expected one head like 9.9, got ${TYPE_WORD[got]}`);
  }
  if (got !== want) {
    const hint = got === 'table' && want !== 'table' ? " (a head table: pick heads with top(…, k) or one head's value with score(…, 9.9))"
      : got === 'distribution' ? DISTRIBUTION_HINT : '';
    throw blameAt(s, e)(`expected ${TYPE_WORD[want]}, got ${TYPE_WORD[got]}${hint}`);
  }
  return c;
}

function check(e: Expr, s: ClaimScope): ClaimExpr {
  const text = printExpr(e);
  switch (e.type) {
    case 'number':
      return { op: 'num', value: e.percent ? e.value / 100 : e.value, text };
    case 'head':
    case 'set':
    case 'range': {
      const sel = selectHeads(e, s.ctx.shape, s.origin, s.ctx.modelLabel);
      if (sel.names.length === 0) return { op: 'heads', heads: sel.heads, text };
      // Names inside a set: circuits, united with the literal heads.
      let acc: ClaimExpr = { op: 'heads', heads: sel.heads, text };
      for (const n of sel.names) {
        const c = ref({ type: 'ident', name: n.name, at: { start: n.offset, end: n.offset } }, s);
        if (typeOf(c) !== 'heads') throw s.origin.error(`'${n.name}' is not a circuit: sets hold heads and circuits`, n.offset);
        acc = { op: 'fn', fn: 'union', args: [acc, c], opts: {}, type: 'heads', text };
      }
      return acc;
    }
    case 'ident':
      return ref(e, s);
    case 'string':
      throw blameAt(s, e)(`a quoted name is not a value (quotes are for names with spaces, like role='negative mover')`);
    case 'site':
      throw blameAt(s, e)('a hook site is not a value: measure it, e.g. attention(task, blocks.12.attn.hook_pattern[head=3, query=END, key=S2])');
    case 'neg': {
      const arg = expect(e.arg, s, 'number');
      return arg.op === 'num' ? { op: 'num', value: -arg.value, text } : { op: 'fn', fn: 'neg', args: [arg], opts: {}, type: 'number', text };
    }
    case 'not':
      return { op: 'not', arg: expect(e.arg, s, 'bool'), text };
    case 'logic':
      return { op: e.op, args: e.args.map((a) => expect(a, s, 'bool')), text };
    case 'compare':
      return compare(e, s, text);
    case 'call':
      return call(e, s, text);
  }
}

function ref(e: Extract<Expr, { type: 'ident' }>, s: ClaimScope): ClaimExpr {
  const blame = blameAt(s, e);
  const m = lookup(s.metrics, e.name, s, blame);
  if (m) {
    s.needs.add(m.id);
    return { op: 'metric', step: m.id, type: m.type, text: e.name };
  }
  const c = lookup(s.circuits, e.name, s, blame);
  if (c) {
    s.needs.add(c.id);
    return { op: 'circuit', step: c.id, text: e.name };
  }
  if (s.ctx.tasks.has(e.name)) throw blame(`'${e.name}' is a task, not a value: measure it, e.g. accuracy(${e.name})`);
  if (s.interventions.has(e.name)) throw blame(`'${e.name}' is an intervention: use it in a metric, e.g. accuracy(task, with=${e.name})`);
  const names = [...s.metrics.keys(), ...s.circuits.keys()];
  const fnHint = ALL_FUNCTIONS.includes(e.name) ? ` ('${e.name}' is a function: call it, e.g. ${e.name}(…))` : '';
  throw blame(`unknown name '${e.name}'${didYouMean(e.name, names)}${fnHint} (metrics and circuits: ${names.join(', ') || 'none'})`);
}

function tolOf(e: Extract<Expr, { type: 'compare' }>, s: ClaimScope): Tol | undefined {
  if (e.tol) return e.tol.percent ? { rel: e.tol.value / 100 } : { abs: e.tol.value };
  return e.op === '==' || e.op === '!=' ? s.defaultTol : undefined;
}

function compare(e: Extract<Expr, { type: 'compare' }>, s: ClaimScope, text: string): ClaimExpr {
  if (e.op === 'in') {
    if (e.tol) throw blameAt(s, e)("'in' takes no tolerance");
    return { op: 'compare', cmp: 'in', operands: 'heads', left: expect(e.left, s, 'heads'), right: expect(e.right, s, 'heads'), text };
  }
  // A literal like 9.9 next to a head set is a head.
  const leftHeadish = numberAsHead(e.left) !== undefined;
  const rightHeadish = numberAsHead(e.right) !== undefined;
  const left = leftHeadish ? undefined : check(e.left, s);
  const right = rightHeadish ? undefined : check(e.right, s);
  const lt = left ? typeOf(left) : right && typeOf(right) === 'heads' ? 'heads' : 'number';
  const l = left ?? expect(e.left, s, lt);
  const r = right ?? expect(e.right, s, lt === 'heads' ? 'heads' : 'number');
  const rt = typeOf(r);
  if (lt === 'number' && rt === 'number') return { op: 'compare', cmp: e.op, operands: 'number', left: l, right: r, tol: tolOf(e, s), text };
  if (lt === 'heads' && rt === 'heads') {
    if (e.tol) throw blameAt(s, e)('set comparisons take no tolerance');
    return { op: 'compare', cmp: e.op, operands: 'heads', left: l, right: r, text };
  }
  const hint = lt === 'table' || rt === 'table' ? ' (use top(…, k) or score(…, 9.9) on a head table)' : lt === 'distribution' || rt === 'distribution' ? DISTRIBUTION_HINT : '';
  throw blameAt(s, e)(`cannot compare ${TYPE_WORD[lt]} with ${TYPE_WORD[rt]}${hint}`);
}

/** Positional and named arguments → parameter name → expression. */
function bind(e: Extract<Expr, { type: 'call' }>, params: string[], s: ClaimScope): Map<string, Expr> {
  const names = params.map((p) => p.replace('?', ''));
  const out = new Map<string, Expr>();
  let pos = 0;
  for (const a of e.args as Arg[]) {
    const name = a.name ?? names[pos++];
    if (name === undefined) throw blameAt(s, a.value)(`${e.fn}() takes at most ${params.length} arguments (${names.join(', ')})`);
    if (!names.includes(name)) throw blameAt(s, a.value)(`${e.fn}() has no argument '${name}'${didYouMean(name, names)} (arguments: ${names.join(', ')})`);
    if (out.has(name)) throw blameAt(s, a.value)(`argument '${name}' given twice`);
    out.set(name, a.value);
  }
  params.forEach((p, i) => {
    if (!p.endsWith('?') && !out.has(names[i])) throw blameAt(s, e)(`${e.fn}() needs '${names[i]}'`);
  });
  return out;
}

function identOf(e: Expr, s: ClaimScope, what: string): Named {
  if (e.type === 'string') return { name: e.value, blame: blameAt(s, e) };
  if (e.type !== 'ident') throw blameAt(s, e)(`expected ${what}, got '${printExpr(e)}'`);
  return { name: e.name, blame: blameAt(s, e) };
}

function identsOf(e: Expr, s: ClaimScope, what: string): Named[] {
  if (e.type === 'set') return e.items.map((x) => identOf(x, s, what));
  return [identOf(e, s, what)];
}

function enumOf<T extends string>(e: Expr, s: ClaimScope, values: readonly T[], what: string): T {
  const n = identOf(e, s, what);
  if (!values.includes(n.name as T)) throw n.blame(`${what} must be one of ${values.join(', ')} (got '${n.name}')${didYouMean(n.name, values)}`);
  return n.name as T;
}

function intOf(e: Expr, s: ClaimScope, what: string): number {
  if (e.type !== 'number' || e.percent || !Number.isInteger(e.value)) throw blameAt(s, e)(`${what} must be a whole number`);
  return e.value;
}

/**
 * The model a metric call measures: its `on=`; without one, the only model, or the only one its task is on.
 * Returns the scope narrowed to that model and the call without `on=`.
 */
function callOn(e: Extract<Expr, { type: 'call' }>, s: ClaimScope): [Extract<Expr, { type: 'call' }>, ClaimScope, string] {
  const onArg = e.args.find((a) => a.name === 'on');
  const rest = { ...e, args: e.args.filter((a) => a !== onArg) };
  if (!s.models) {
    if (onArg) throw blameAt(s, onArg.value)("on= picks one of a spec's models:, but this spec has one model:");
    return [e, s, printExpr(e)];
  }
  const models = [...s.models.keys()];
  let name: string;
  if (onArg) {
    name = identOf(onArg.value, s, 'a model name').name;
    if (!s.models.has(name)) throw blameAt(s, onArg.value)(`unknown model '${name}'${didYouMean(name, models)} (models: ${models.join(', ')})`);
  } else {
    const task = rest.args.find((a) => a.name === 'task' || a.name === 'tokens_from') ?? rest.args.find((a) => a.name === undefined);
    const taskName = task?.value.type === 'ident' ? task.value.name : undefined;
    const on = models.filter((m) => taskName !== undefined && s.models!.get(m)!.ctx.tasks.has(taskName));
    if (models.length === 1) name = models[0];
    else if (on.length === 1) name = on[0];
    else throw blameAt(s, e)(`with several models a metric call says which it measures: ${e.fn}(…, on=${models[0]}) (models: ${models.join(', ')})`);
  }
  const u = s.models.get(name)!;
  if (onArg) {
    // An on= call on one model reads tasks as that model builds them: say so when the task is elsewhere.
    const task = rest.args.find((a) => a.name === 'task') ?? rest.args.find((a) => a.name === undefined);
    if (task?.value.type === 'ident' && !u.ctx.tasks.has(task.value.name) && s.ctx.tasks.has(task.value.name)) {
      throw blameAt(s, task.value)(`task '${task.value.name}' is not on ${name}: add ${name} to the task's on:`);
    }
  }
  // Its step (and results) name says the model, as written or added.
  return [rest, { ...s, ctx: u.ctx, graph: u.graph, interventions: u.interventions }, onArg ? printExpr(e) : `${printExpr(e)}@${name}`];
}

function metricCall(call: Extract<Expr, { type: 'call' }>, kind: MetricKind, outer: ClaimScope, text: string): ClaimExpr {
  const [e, s, stepName] = callOn(call, outer);
  const b = bind(e, METRIC_PARAMS[kind], s);
  const a: MetricArgs = { kind, blame: blameAt(s, e) };
  const get = (k: string) => b.get(k);
  if (get('task')) a.task = identOf(get('task')!, s, 'a task name');
  if (get('with')) a.with = identsOf(get('with')!, s, 'an intervention name');
  if (get('run')) a.run = { name: enumOf(get('run')!, s, ['clean', 'corrupted'] as const, 'run'), blame: blameAt(s, get('run')) };
  if (get('versus')) a.versus = enumOf(get('versus')!, s, ['distractor', 'mean_others', 'max_others'] as const, 'versus');
  if (get('over')) a.over = enumOf(get('over')!, s, ['vocab', 'candidates', 'distractors'] as const, 'over');
  if (get('from')) a.from = identOf(get('from')!, s, 'a role');
  if (get('to') && kind === 'attention') a.to = identsOf(get('to')!, s, 'a role');
  const head = get('head');
  if (head) {
    if (head.type === 'site') {
      const site = resolveSite(head, s.ctx.shape, s.origin, s.ctx.modelLabel);
      if (site.info.suffix !== 'attn.hook_pattern' || typeof site.index.head !== 'number') {
        throw blameAt(s, head)("attention reads 'blocks.L.attn.hook_pattern[head=H, query=ROLE, key=ROLE]'");
      }
      a.heads = [{ layer: site.info.layer!, head: site.index.head }];
      if (typeof site.index.query === 'string') a.from ??= { name: site.index.query, blame: blameAt(s, head) };
      if (typeof site.index.key === 'string') a.to ??= [{ name: site.index.key, blame: blameAt(s, head) }];
    } else {
      // One head, or a set of literal heads (the metric is their mean).
      const h = expect(head, s, kind === 'attention' ? 'heads' : 'head');
      if (h.op !== 'heads' || h.heads.length === 0) throw blameAt(s, head)('attention takes literal heads, like 12.3 or {15.14, 16.15} (their mean)');
      a.heads = h.heads;
    }
  }
  if (kind === 'path_patch') {
    const to = get('to');
    if (to && !(to.type === 'ident' && to.name === 'logits')) {
      const sel = selectHeads(to, s.ctx.shape, s.origin, s.ctx.modelLabel);
      if (sel.names.length) throw s.origin.error(`'${sel.names[0].name}' is not a head: path_patch takes logits or literal receiver heads`, sel.names[0].offset);
      if (!get('input') || !get('at')) throw blameAt(s, to)("head receivers need input=q|k|v|z and at=ROLE (or at={ROLE, …})");
      a.receiver = { heads: sel.heads, input: enumOf(get('input')!, s, ['q', 'k', 'v', 'z'] as const, 'input'), positions: identsOf(get('at')!, s, 'a role') };
    } else if (get('input') || get('at')) throw blameAt(s, get('input') ?? get('at'))('input= and at= go with head receivers (to={…})');
    if (get('senders')) a.senders = identsOf(get('senders')!, s, 'a role');
    if (get('freeze_mlps')) a.freezeMlps = enumOf(get('freeze_mlps')!, s, ['true', 'false'] as const, 'freeze_mlps') === 'true';
    const flag = (k: string): boolean | undefined => (get(k) ? enumOf(get(k)!, s, ['true', 'false'] as const, k) === 'true' : undefined);
    a.rules = {
      sendersBelowReceivers: flag('senders_below_receivers'),
      excludeReceivers: flag('exclude_receivers'),
      normalization: get('normalization') ? enumOf(get('normalization')!, s, ['relative_clean', 'gap_percent'] as const, 'normalization') : undefined,
    };
  }
  if (kind === 'head_scores') {
    a.score = enumOf(get('score')!, s, ['previous_token', 'duplicate_token', 'induction'] as const, 'score');
    if (get('seq_len')) a.seqLen = intOf(get('seq_len')!, s, 'seq_len');
    if (get('n')) a.n = intOf(get('n')!, s, 'n');
    if (get('seed')) a.seed = intOf(get('seed')!, s, 'seed');
    if (get('tokens_from')) a.tokensFrom = identOf(get('tokens_from')!, s, 'a task name');
    if (get('sequences')) a.sequences = identOf(get('sequences')!, s, 'a task name or a quoted file path');
  }
  const built = buildMetric(s.ctx, a, s.interventions);
  const id = s.graph.metric(stepName, built.request, built.needsCorrupted);
  s.needs.add(id);
  return { op: 'metric', step: id, type: metricType(built.request), text };
}

function call(e: Extract<Expr, { type: 'call' }>, s: ClaimScope, text: string): ClaimExpr {
  if ((METRIC_KINDS as string[]).includes(e.fn)) return metricCall(e, e.fn as MetricKind, s, text);
  if (e.fn === 'heads') {
    const b = bind(e, ['circuit', 'role?'], s);
    const n = identOf(b.get('circuit')!, s, 'a circuit name');
    const c = lookup(s.circuits, n.name, s, n.blame);
    if (!c) throw n.blame(`unknown circuit '${n.name}'${didYouMean(n.name, [...s.circuits.keys()])} (circuits: ${[...s.circuits.keys()].join(', ') || 'none'})`);
    s.needs.add(c.id);
    const role = b.get('role') ? enumOf(b.get('role')!, s, c.roles, `a role of circuit '${n.name}'`) : undefined;
    return { op: 'circuit', step: c.id, ...(role && { role }), text };
  }
  if (e.fn === 'delta') {
    const tables = tableDelta(e, s, text);
    if (tables) return tables;
  }
  const sig = VALUE_FNS[e.fn as Exclude<FnName, 'neg'>];
  if (!sig) throw blameAt(s, e)(`unknown function '${e.fn}'${didYouMean(e.fn, ALL_FUNCTIONS)} (functions: ${ALL_FUNCTIONS.join(', ')})`);
  const b = bind(e, sig.params.map((p) => p.name + (p.optional ? '?' : '')), s);
  const args: ClaimExpr[] = [];
  const opts: Record<string, string | number> = {};
  let metricType: ValueType | undefined;
  for (const p of sig.params) {
    const x = b.get(p.name);
    if (!x) continue;
    const t: ParamType = p.type;
    if (t === 'sign') opts.sign = enumOf(x, s, ['abs', 'positive', 'negative'] as const, 'sign');
    else if (t === 'count') {
      if (x.type !== 'number' || (!x.percent && !Number.isInteger(x.value)) || x.value <= 0) throw blameAt(s, x)('k must be a positive whole number, or a percentage like 5%');
      const total = s.ctx.shape.nLayers * s.ctx.shape.nHeads;
      if (x.percent && x.value > 100) throw blameAt(s, x)(`k is ${x.value}%: a percentage of the heads must be at most 100%`);
      if (!x.percent && x.value > total) throw blameAt(s, x)(`k is ${x.value} but ${s.ctx.modelLabel} has ${total} heads (${s.ctx.shape.nLayers} layers × ${s.ctx.shape.nHeads})`);
      if (x.percent) opts.percent = x.value;
      else opts.k = x.value;
    } else if (t === 'metric') {
      const c = check(x, s);
      const ct = typeOf(c);
      // A head table computed in the claim (delta of two tables) compares like a measured one.
      if (c.op !== 'metric' && !(e.fn === 'spearman' && ct === 'table')) throw blameAt(s, x)(`${e.fn}() compares measured values: give a metric (a name or a call like accuracy(task))`);
      if (ct === 'distribution') throw blameAt(s, x)(`${e.fn}() does not take ${TYPE_WORD[ct]}${DISTRIBUTION_HINT}`);
      if (e.fn === 'regressions' && ct !== 'number') throw blameAt(s, x)('regressions() compares per-prompt metrics (accuracy, logit_diff, …), not head tables');
      if (metricType && ct !== metricType) throw blameAt(s, x)(`${e.fn}() needs two values of the same kind (got ${TYPE_WORD[metricType]} and ${TYPE_WORD[ct]})`);
      metricType = ct;
      args.push(c);
    } else {
      if (e.fn === 'spearman' && p.name === 'heads' && metricType !== 'table') throw blameAt(s, x)('spearman() restricts head tables to a head set: per-prompt metrics have no heads');
      args.push(expect(x, s, t));
    }
  }
  return { op: 'fn', fn: e.fn as FnName, args, opts, type: sig.returns, text };
}

/**
 * delta(a, b) of two head tables: per head a − b, a table (the change of every head's score under an
 * intervention, e.g. delta(dla(cobj, with=repair), dla(cobj))). Undefined for anything else (numbers go the usual way).
 */
function tableDelta(e: Extract<Expr, { type: 'call' }>, s: ClaimScope, text: string): ClaimExpr | undefined {
  const b = bind(e, ['a', 'b'], s);
  const [x, y] = [b.get('a'), b.get('b')];
  if (!x || !y) return undefined;
  const [cx, cy] = [check(x, s), check(y, s)];
  const [tx, ty] = [typeOf(cx), typeOf(cy)];
  if (tx !== 'table' && ty !== 'table') return undefined;
  if (tx !== ty) throw blameAt(s, tx === 'table' ? y : x)(`delta() subtracts two numbers or two head tables, got ${TYPE_WORD[tx]} and ${TYPE_WORD[ty]}`);
  return { op: 'fn', fn: 'delta', args: [cx, cy], opts: {}, type: 'table', text };
}
