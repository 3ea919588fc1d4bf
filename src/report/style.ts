/** Colours and symbols (plain text when colour is off: CI logs, files, tests). */
import chalk, { Chalk } from 'chalk';
import type { Verdict } from '../plan/results.js';

export type Paint = (s: string) => string;
export interface Style { green: Paint; red: Paint; yellow: Paint; dim: Paint; bold: Paint; cyan: Paint }

export function style(color: boolean): Style {
  const c = color ? new Chalk({ level: Math.max(1, chalk.level) as 1 | 2 | 3 }) : new Chalk({ level: 0 });
  return { green: c.green, red: c.red, yellow: c.yellow, dim: c.dim, bold: c.bold, cyan: c.cyan };
}

export const SYMBOL: Record<Verdict, string> = { pass: '✓', fail: '✗', error: '✗', xpass: '✗', xfail: '○', skip: '↓' };

export function paintVerdict(s: Style, v: Verdict): Paint {
  return v === 'pass' ? s.green : v === 'skip' || v === 'xfail' ? s.yellow : s.red;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
}
