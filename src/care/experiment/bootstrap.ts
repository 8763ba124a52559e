/**
 * Percentile bootstrap over queries: each replicate draws every sample's units (queries, pairs) with
 * replacement, computes each sample's statistic on the draw, and combines the statistics (one task:
 * itself; several tasks: their mean). Pure and seeded, so a report's intervals are reproducible.
 */
import { rng } from "../../util/rng.js";
import { percentile } from "./latency.js";

export interface BootstrapSample {
  /** Units to resample (queries of a ranking task, pairs of an STS task). */
  n: number;
  /** The statistic on a draw of unit indices (the same index may appear several times). */
  stat(draw: Int32Array): number;
}

export interface BootstrapOptions {
  replicates: number;
  seed: number;
  /** Coverage (default 0.95). */
  level?: number;
}

export interface BootstrapResult {
  /** The combined statistic on the samples as they are. */
  estimate: number;
  ci: [number, number];
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

export function bootstrap(
  samples: readonly BootstrapSample[],
  o: BootstrapOptions,
  combine: (stats: number[]) => number = mean,
): BootstrapResult {
  if (!samples.length) throw new Error("bootstrap: no samples");
  if (samples.some((s) => s.n < 1)) throw new Error("bootstrap: a sample has no units");
  const level = o.level ?? 0.95;
  const identity = samples.map((s) => Int32Array.from({ length: s.n }, (_, i) => i));
  const estimate = combine(samples.map((s, i) => s.stat(identity[i])));
  const next = rng(o.seed);
  const draws = samples.map((s) => new Int32Array(s.n));
  const reps: number[] = [];
  for (let r = 0; r < o.replicates; r++) {
    const stats = samples.map((s, i) => {
      const d = draws[i];
      for (let j = 0; j < s.n; j++) d[j] = Math.floor(next() * s.n);
      return s.stat(d);
    });
    const v = combine(stats);
    if (Number.isFinite(v)) reps.push(v);
  }
  reps.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { estimate, ci: [percentile(reps, tail), percentile(reps, 1 - tail)] };
}

/** The mean of per-unit scores over a draw (a ranking task's per-query scores). */
export function meanOf(scores: ArrayLike<number>): (draw: Int32Array) => number {
  return (draw) => {
    let s = 0;
    for (let i = 0; i < draw.length; i++) s += scores[draw[i]];
    return s / draw.length;
  };
}
