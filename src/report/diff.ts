/**
 * Differences between two results files (two model versions, two code versions): what changed underneath (model
 * weights, code, spec, seeds), claims newly failing or newly passing, claim values and metric values that moved
 * beyond tolerance, and claims/metrics only on one side.
 */
import { formatDistribution, formatMeasured, formatNumber } from '../plan/format.js';
import type { ClaimResult, Measured, MetricValue, Provenance, RunResults, SpecResult, Verdict } from '../plan/results.js';
import type { Tol } from '../plan/types.js';
import { style } from './style.js';

export type DiffKind = 'changed' | 'newly-failing' | 'newly-passing' | 'verdict-changed' | 'moved' | 'added' | 'removed';

export interface DiffEntry {
  kind: DiffKind;
  spec: string;
  /** `claim <name>`, `metric <name>`, or what changed underneath: `model`, `code`, `spec`, `seeds`, `environment` */
  item: string;
  before?: string;
  after?: string;
  detail?: string;
}

export interface DiffOptions {
  /** Tolerance for values with none of their own (metrics; claims compared exactly). Default abs 1e-6. */
  tol?: Tol;
}

const GOOD: Verdict[] = ['pass', 'xfail', 'skip'];
const isBad = (v: Verdict) => !GOOD.includes(v);

function within(a: number, b: number, tol: Tol): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  const t = tol.abs ?? (tol.rel ?? 0) * Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <= t;
}

function measuredMoved(a: Measured | undefined, b: Measured | undefined, tol: Tol): string | undefined {
  if (!a || !b || a.type !== b.type) return undefined;
  if (a.type === 'number' && b.type === 'number') return within(a.value, b.value, tol) ? undefined : `${formatNumber(a.value)} → ${formatNumber(b.value)}`;
  if (a.type === 'distribution' && b.type === 'distribution') return distributionMoved(a.value, a.sd, a.values.length, b.value, b.sd, b.values.length, tol);
  if (a.type === 'heads' && b.type === 'heads') {
    const A = new Set(a.heads), B = new Set(b.heads);
    const gone = a.heads.filter((h) => !B.has(h)), added = b.heads.filter((h) => !A.has(h));
    return gone.length || added.length ? [gone.length && `-{${gone.join(', ')}}`, added.length && `+{${added.join(', ')}}`].filter(Boolean).join(' ') : undefined;
  }
  return undefined;
}

/** A random control moved when its mean or its sd moved beyond the tolerance, or its sample count changed. */
function distributionMoved(ma: number, sa: number, na: number, mb: number, sb: number, nb: number, tol: Tol): string | undefined {
  if (na === nb && within(ma, mb, tol) && within(sa, sb, tol)) return undefined;
  return `${formatDistribution(ma, sa, na)} → ${formatDistribution(mb, sb, nb)}`;
}

function metricMoved(a: MetricValue, b: MetricValue, tol: Tol): string | undefined {
  if (a.type === 'scalar' && b.type === 'scalar') return within(a.value, b.value, tol) ? undefined : `${formatNumber(a.value)} → ${formatNumber(b.value)}`;
  if (a.type === 'distribution' && b.type === 'distribution') return distributionMoved(a.mean, a.sd, a.values.length, b.mean, b.sd, b.values.length, tol);
  if (a.type === 'heads' && b.type === 'heads') {
    if (a.nLayers !== b.nLayers || a.nHeads !== b.nHeads) return `shape ${a.nLayers}×${a.nHeads} → ${b.nLayers}×${b.nHeads}`;
    let worst = { d: 0, name: '' };
    a.values.forEach((row, l) => row.forEach((v, h) => {
      const d = Math.abs(v - b.values[l][h]);
      if (!within(v, b.values[l][h], tol) && d > worst.d) worst = { d, name: `${l}.${h}: ${formatNumber(v)} → ${formatNumber(b.values[l][h])}` };
    }));
    return worst.name ? `largest change ${worst.name}` : undefined;
  }
  return `${a.type} → ${b.type}`;
}

const short = (h: string): string => (/^[0-9a-f]{16,}$/.test(h) ? h.slice(0, 12) : h);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What differs between the two runs' provenance: the reasons values may have moved. */
export function provenanceChanges(a: Provenance, b: Provenance): { item: string; before: string; after: string }[] {
  const out: { item: string; before: string; after: string }[] = [];
  const add = (item: string, before: string, after: string) => out.push({ item, before, after });
  // Several models: each compared with the model of the same name (one missing on a side is a change too).
  const models = (p: Provenance): [string, Provenance['model'] | undefined][] => (p.models ? Object.entries(p.models) : [['', p.model]]);
  const names = [...new Set([...models(a), ...models(b)].map(([n]) => n))];
  for (const name of names) {
    const ma = models(a).find(([n]) => n === name)?.[1], mb = models(b).find(([n]) => n === name)?.[1];
    const label = (item: string) => (name ? `${item} ${name}` : item);
    const show = (m: Provenance['model'] | undefined) => (m ? `${m.source} (weights ${short(m.weightHash)})` : 'none');
    if (!ma || !mb) {
      add(label('model'), show(ma), show(mb));
      continue;
    }
    if (ma.source !== mb.source || ma.weightHash !== mb.weightHash) add(label('model'), show(ma), show(mb));
    if (!same(ma.processing, mb.processing)) add(label('model processing'), JSON.stringify(ma.processing), JSON.stringify(mb.processing));
    if (ma.backend !== mb.backend) add(label('backend'), ma.backend, mb.backend);
  }
  const code = (p: Provenance) => `circuitspec ${p.packageVersion}${p.commit ? ` (${p.commit.slice(0, 12)})` : ''}`;
  // A commit known on one side only (an older results file, an installed package) is not a change.
  if (a.packageVersion !== b.packageVersion || (a.commit && b.commit && a.commit !== b.commit)) add('code', code(a), code(b));
  if (a.specSha256 !== b.specSha256) add('spec', `sha256 ${short(a.specSha256)}`, `sha256 ${short(b.specSha256)}`);
  if (a.seed !== b.seed || !same(a.taskSeeds, b.taskSeeds)) add('seeds', JSON.stringify({ seed: a.seed, ...a.taskSeeds }), JSON.stringify({ seed: b.seed, ...b.taskSeeds }));
  if (a.batchSize !== b.batchSize) add('batch size', String(a.batchSize), String(b.batchSize));
  if (a.node !== b.node || a.platform !== b.platform) add('environment', `node ${a.node} ${a.platform}`, `node ${b.node} ${b.platform}`);
  return out;
}

/** Part by part (the headline can be a different part in each run), each with its own tolerance. */
function claimMoved(a: ClaimResult, b: ClaimResult, fallback: Tol): string | undefined {
  if (!a.checks.length || a.checks.length !== b.checks.length) return measuredMoved(a.measured, b.measured, a.checks[0]?.tol ?? fallback);
  const moved = a.checks.map((k, i) => {
    const m = measuredMoved(k.measured, b.checks[i].measured, k.tol ?? fallback);
    return m && (a.checks.length > 1 ? `${k.text}: ${m}` : m);
  }).filter(Boolean);
  return moved.length ? moved.join('; ') : undefined;
}

/**
 * Pairs the specs of two runs: by name and file first, then by name alone where it is unique on both sides (a
 * moved file). Two specs may share a name, so the name alone would pair one of them twice.
 */
function pairSpecs(a: SpecResult[], b: SpecResult[]): { pairs: [SpecResult, SpecResult][]; onlyA: SpecResult[]; onlyB: SpecResult[] } {
  const pairs: [SpecResult, SpecResult][] = [];
  const restB = new Set(b);
  const onlyA: SpecResult[] = [];
  for (const sa of a) {
    const sb = [...restB].find((x) => x.name === sa.name && x.file === sa.file);
    if (sb) {
      pairs.push([sa, sb]);
      restB.delete(sb);
    } else onlyA.push(sa);
  }
  for (const sa of onlyA.slice()) {
    const candidates = [...restB].filter((x) => x.name === sa.name);
    if (candidates.length === 1 && onlyA.filter((x) => x.name === sa.name).length === 1) {
      pairs.push([sa, candidates[0]]);
      restB.delete(candidates[0]);
      onlyA.splice(onlyA.indexOf(sa), 1);
    }
  }
  return { pairs, onlyA, onlyB: [...restB] };
}

export function diffResults(a: RunResults, b: RunResults, opts: DiffOptions = {}): DiffEntry[] {
  const tol = opts.tol ?? { abs: 1e-6 };
  const out: DiffEntry[] = [];
  const shared = new Set([...a.specs, ...b.specs].map((s) => s.name).filter((n, i, all) => all.indexOf(n) !== i));
  const { pairs, onlyA, onlyB } = pairSpecs(a.specs, b.specs);
  const label = (s: SpecResult) => (shared.has(s.name) && [...a.specs, ...b.specs].some((x) => x.name === s.name && x.file !== s.file) ? `${s.name} (${s.file})` : s.name);
  for (const sa of onlyA) out.push({ kind: 'removed', spec: label(sa), item: 'spec' });
  for (const [sa, sb] of pairs) {
    const spec = label(sa);
    if (sa.provenance && sb.provenance) {
      for (const c of provenanceChanges(sa.provenance, sb.provenance)) out.push({ kind: 'changed', spec, item: c.item, detail: `${c.before} → ${c.after}` });
    }
    const claimsB = new Map(sb.claims.map((c) => [c.name, c]));
    for (const ca of sa.claims) {
      const cb = claimsB.get(ca.name);
      const item = `claim ${ca.name}`;
      if (!cb) {
        out.push({ kind: 'removed', spec, item, before: ca.verdict });
        continue;
      }
      if (ca.verdict !== cb.verdict) {
        const kind: DiffKind = !isBad(ca.verdict) && isBad(cb.verdict) ? 'newly-failing' : isBad(ca.verdict) && !isBad(cb.verdict) ? 'newly-passing' : 'verdict-changed';
        out.push({ kind, spec, item, before: ca.verdict, after: cb.verdict, detail: cb.message ?? (cb.measured && `now ${formatMeasured(cb.measured)}`) });
      } else {
        const moved = claimMoved(ca, cb, tol);
        if (moved) out.push({ kind: 'moved', spec, item, before: ca.verdict, after: cb.verdict, detail: moved });
      }
    }
    for (const cb of sb.claims) if (!sa.claims.some((c) => c.name === cb.name)) out.push({ kind: 'added', spec, item: `claim ${cb.name}`, after: cb.verdict });
    for (const [name, ma] of Object.entries(sa.metrics)) {
      const mb = sb.metrics[name];
      if (!mb) {
        out.push({ kind: 'removed', spec, item: `metric ${name}` });
        continue;
      }
      const moved = metricMoved(ma.value, mb.value, tol);
      if (moved) out.push({ kind: 'moved', spec, item: `metric ${name}`, detail: moved });
    }
    for (const name of Object.keys(sb.metrics)) if (!sa.metrics[name]) out.push({ kind: 'added', spec, item: `metric ${name}` });
  }
  for (const sb of onlyB) out.push({ kind: 'added', spec: label(sb), item: 'spec' });
  return out;
}

const ORDER: DiffKind[] = ['changed', 'newly-failing', 'newly-passing', 'verdict-changed', 'moved', 'added', 'removed'];

export function formatDiff(entries: DiffEntry[], color = false): string {
  const s = style(color);
  if (!entries.length) return 'no differences\n';
  const lines: string[] = [];
  for (const kind of ORDER) {
    const group = entries.filter((e) => e.kind === kind);
    if (!group.length) continue;
    const paint = kind === 'newly-failing' ? s.red : kind === 'newly-passing' ? s.green : s.yellow;
    lines.push(paint(`${kind} (${group.length})`));
    for (const e of group) {
      const verdicts = e.before || e.after ? ` ${e.before ?? '—'} → ${e.after ?? '—'}` : '';
      lines.push(`  ${e.spec} > ${e.item}${verdicts}${e.detail ? `: ${e.detail}` : ''}`);
    }
  }
  const count = (k: DiffKind) => entries.filter((e) => e.kind === k).length;
  lines.push(`${count('newly-failing')} newly failing, ${count('newly-passing')} newly passing, ${count('moved')} moved`);
  return lines.join('\n') + '\n';
}
