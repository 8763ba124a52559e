/** Summary statistics for `bench:encode`: latency percentiles and embedding agreement. */

/** The p-th percentile (0–100) with linear interpolation between ranks, as numpy's default computes it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in [0, 100]: ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export interface LatencySummary {
  n: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  min_ms: number;
  max_ms: number;
}

export function summarizeLatency(ms: readonly number[]): LatencySummary {
  return {
    n: ms.length,
    p50_ms: percentile(ms, 50),
    p95_ms: percentile(ms, 95),
    p99_ms: percentile(ms, 99),
    mean_ms: ms.reduce((s, x) => s + x, 0) / ms.length,
    min_ms: Math.min(...ms),
    max_ms: Math.max(...ms),
  };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cosine of vectors of widths ${a.length} and ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

export interface Agreement {
  n: number;
  mean_cosine: number;
  min_cosine: number;
}

/** Row-by-row cosine between two encodings of the same texts (rows beyond the shorter list are ignored). */
export function agreement(a: readonly Float32Array[], b: readonly Float32Array[]): Agreement {
  const n = Math.min(a.length, b.length);
  if (n === 0) throw new Error("agreement of no rows");
  const cos = Array.from({ length: n }, (_, i) => cosine(a[i], b[i]));
  return { n, mean_cosine: cos.reduce((s, x) => s + x, 0) / n, min_cosine: Math.min(...cos) };
}
