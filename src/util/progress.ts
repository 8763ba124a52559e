/**
 * A one-line progress display: count, rate and ETA. It redraws in place on a terminal and prints a
 * line every few seconds otherwise (CI logs), always to stderr so stdout stays machine-readable.
 */
export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private total?: number,
    private readonly unit = "items",
    private readonly quiet = process.env.CARE_QUIET === "1",
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (now - this.lastDraw >= (this.tty ? 100 : 5000)) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    if (this.quiet) return;
    const secs = Math.max((Date.now() - this.start) / 1000, 1e-9);
    const rate = this.done / secs;
    let text = `${this.label}: ${this.done}`;
    if (this.total !== undefined) {
      const pct = this.total > 0 ? (100 * this.done) / this.total : 100;
      text += `/${this.total} (${pct.toFixed(1)}%)`;
    }
    text += ` ${rate.toFixed(rate < 10 ? 2 : 0)} ${this.unit}/s`;
    if (!final && this.total !== undefined && rate > 0)
      text += ` ETA ${formatSeconds((this.total - this.done) / rate)}`;
    if (final) text += ` in ${formatSeconds(secs)}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${text}${final ? "\n" : ""}`);
    else process.stderr.write(`${text}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h${m % 60}m`;
}
