/** A one-line progress bar on stderr (redrawn in place on a terminal; one line per evaluation otherwise). */
export class Progress {
  private readonly started = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(readonly total: number, readonly label: string) {}

  update(step: number, loss: number, extra: string, keep: boolean): void {
    if (!this.tty && !keep) return;
    const width = 24;
    const filled = Math.round((width * step) / this.total);
    const secs = (Date.now() - this.started) / 1000;
    const eta = step > 0 ? (secs / step) * (this.total - step) : 0;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${step}/${this.total} loss ${loss.toFixed(3)} ${Math.round(secs)}s (≤${Math.round(eta)}s left)${extra ? '  ' + extra : ''}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}${keep ? '\n' : ''}`);
    else process.stderr.write(line + '\n');
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
