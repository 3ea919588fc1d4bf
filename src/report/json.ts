/** Prints the whole RunResults as JSON on stdout when the run ends. */
import type { RunEvent } from '../plan/events.js';
import type { Output, Reporter } from './types.js';

export class JsonReporter implements Reporter {
  constructor(private readonly io: Output) {}
  onEvent(e: RunEvent): void {
    if (e.type === 'run-end') this.io.out(JSON.stringify(e.results, null, 2) + '\n');
  }
}
