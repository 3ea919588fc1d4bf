/** `--reporter html`: the whole run as one self-contained HTML page (written where `--out` says). */
import type { RunEvent } from '../plan/events.js';
import { renderReport } from './html/report.js';
import type { Output, Reporter } from './types.js';

export class HtmlReporter implements Reporter {
  static readonly document = 'html';
  constructor(private readonly io: Output) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'run-end') this.io.out(renderReport(e.results));
  }
}

export { renderReport };
export { renderComparison, type LabelledRun } from './html/compare.js';
