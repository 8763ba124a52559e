/**
 * A requests-per-minute limit as even spacing: request starts are at least 60/rpm seconds apart.
 * Spacing rather than a per-minute bucket keeps a restarted or retrying run from bursting a whole
 * minute's quota at once, which is what gets API keys throttled. Each caller reserves its slot
 * synchronously, so waiters start in arrival order and nobody polls.
 */
export class Pacer {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(rpm: number) {
    this.intervalMs = 60_000 / rpm;
  }

  async wait(): Promise<void> {
    const now = performance.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await sleep(slot - now);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
