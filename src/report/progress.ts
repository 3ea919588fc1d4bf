/** A one-line progress bar on stderr for long steps (TTY only): step, batches done, time left. */
import type { RunEvent } from '../plan/events.js';
import { duration } from './style.js';
import type { Output, Reporter } from './types.js';

export class ProgressBar implements Reporter {
  private started = 0;
  private shown = false;
  constructor(private readonly io: Output, private readonly width = 24) {}

  onEvent(e: RunEvent): void {
    if (!this.io.isTTY) return;
    if (e.type === 'step-start') {
      this.started = performance.now();
      this.draw(`${e.spec}: ${e.label}`);
    } else if (e.type === 'step-progress' && e.total > 0) {
      const frac = Math.min(1, e.done / e.total);
      const filled = Math.round(frac * this.width);
      const elapsed = performance.now() - this.started;
      const eta = frac > 0 && frac < 1 ? ` ~${duration((elapsed / frac) * (1 - frac))} left` : '';
      this.draw(`${e.spec}: ${e.label} [${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}] ${e.done}/${e.total}${eta}`);
    } else if (e.type === 'spec-end' || e.type === 'run-end') this.clear();
  }

  private draw(text: string): void {
    this.io.err(`\r\x1b[2K${text.slice(0, 120)}`);
    this.shown = true;
  }

  private clear(): void {
    if (this.shown) this.io.err('\r\x1b[2K');
    this.shown = false;
  }
}
