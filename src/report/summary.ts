/** The summary line: exactly `N passed, N failed`, then the other counts that are not zero. */
import type { Summary } from '../plan/results.js';

export function summaryLine(s: Summary): string {
  const extra: [number, string][] = [[s.skipped, 'skipped'], [s.xfailed, 'xfailed'], [s.xpassed, 'xpassed'], [s.errors, s.errors === 1 ? 'error' : 'errors']];
  return [`${s.passed} passed`, `${s.failed} failed`, ...extra.filter(([n]) => n > 0).map(([n, w]) => `${n} ${w}`)].join(', ');
}
