import { rng } from "../../util/rng.js";

/**
 * A small seeded generator (mulberry32) so clustering scores are reproducible run to run and machine
 * to machine; the statistical quality needed for sampling batches and centres is modest.
 */
export class Prng {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = rng(seed);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `count` distinct integers of [0, n), by a partial Fisher–Yates shuffle. */
  sample(n: number, count: number): number[] {
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + this.int(n - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, count);
  }
}
