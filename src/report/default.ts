/**
 * The default reporter, vitest-like: per spec a header, a line per claim (✓/✗, measured vs expected, time),
 * then the failures in detail and the summary line.
 */
import { formatMeasured } from '../plan/format.js';
import { formatQuantity } from '../plan/quantity.js';
import type { RunEvent } from '../plan/events.js';
import type { ClaimResult, SpecResult } from '../plan/results.js';
import { summaryLine } from './summary.js';
import { duration, paintVerdict, style, SYMBOL, type Style } from './style.js';
import type { Output, Reporter } from './types.js';

export function claimLine(c: ClaimResult, s: Style): string {
  const paint = paintVerdict(s, c.verdict);
  let detail = '';
  if (c.verdict === 'skip') detail = s.dim(c.reason ? `[skipped: ${c.reason}]` : '[skipped]');
  else if (c.verdict === 'error') detail = s.red(c.message ?? 'error');
  else if (c.measured && c.expected) {
    const i = c.headline ?? 0;
    const check = c.checks[i];
    const what = check?.quantity ? ` ${s.dim(formatQuantity(check.quantity))}` : '';
    detail = `${s.bold(formatMeasured(c.measured))}${what} ${s.dim(`(expected ${c.expected})`)}`;
    // A compound claim names the part its numbers come from when that part failed; else it says all parts held.
    if (check && c.checks.length > 1) detail += s.dim(check.pass ? ` (${c.checks.length} parts)` : ` — fails at part ${i + 1} of ${c.checks.length}: ${check.text}`);
    if (c.verdict === 'xfail') detail += s.dim(` [expected to fail${c.reason ? `: ${c.reason}` : ''}]`);
    if (c.verdict === 'xpass') detail += s.red(' [passed, but expected to fail]');
  }
  const time = c.verdict === 'skip' ? '' : s.dim(` ${duration(c.ms)}`);
  return `   ${paint(SYMBOL[c.verdict])} ${c.name}  ${detail}${time}`;
}

export class DefaultReporter implements Reporter {
  protected readonly s: Style;
  protected readonly failures: { spec: SpecResult; claim?: ClaimResult }[] = [];

  constructor(protected readonly io: Output) {
    this.s = style(io.color);
  }

  onEvent(e: RunEvent): void {
    if (e.type === 'spec-end') this.specEnd(e.result);
    if (e.type === 'run-end') this.runEnd(e.results.summary, e.results.durationMs);
  }

  protected specEnd(r: SpecResult): void {
    const bad = r.claims.some((c) => ['fail', 'error', 'xpass'].includes(c.verdict)) || !!r.error;
    const mark = bad ? this.s.red('✗') : this.s.green('✓');
    this.io.out(` ${mark} ${r.file} ${this.s.dim(`(${r.name}) ${r.claims.length} claims ${duration(r.timings.totalMs)}`)}\n`);
    if (r.error) this.io.out(`   ${this.s.red(r.error)}\n`);
    const order = [...r.claims].sort((a, b) => a.at.line - b.at.line);
    for (const c of order) {
      this.io.out(claimLine(c, this.s) + '\n');
      this.afterClaim(c);
      if (['fail', 'error', 'xpass'].includes(c.verdict)) this.failures.push({ spec: r, claim: c });
    }
    this.extra(r);
  }

  /** Verbose adds descriptions and every comparison here. */
  protected afterClaim(_c: ClaimResult): void {}

  /** Verbose adds metrics here. */
  protected extra(_r: SpecResult): void {}

  protected runEnd(summary: Parameters<typeof summaryLine>[0], ms: number): void {
    if (this.failures.length) {
      this.io.out(`\n${this.s.red(this.s.bold(` Failed claims ${this.failures.length} `))}\n`);
      for (const { spec, claim } of this.failures) {
        if (!claim) continue;
        this.io.out(`\n ${this.s.red('FAIL')} ${spec.name} > ${claim.name} ${this.s.dim(`${claim.at.file}:${claim.at.line}:${claim.at.column}`)}\n`);
        this.io.out(`   ${claim.assert}${claim.ref ? this.s.dim(`  (paper: ${claim.ref})`) : ''}\n`);
        if (claim.message) this.io.out(`   ${this.s.red(claim.message)}\n`);
      }
    }
    const paint = summary.failed + summary.errors + summary.xpassed > 0 ? this.s.red : this.s.green;
    this.io.out(`\n${paint(summaryLine(summary))}\n`);
    this.io.out(this.s.dim(`Duration ${duration(ms)}\n`));
  }
}
