import type { TaskHint } from "../../core/embedder.js";
import { HfEmbedder } from "../../embed/hf.js";

export interface Latency {
  /** Milliseconds per query, one query per call. */
  p50_ms: number;
  p90_ms: number;
  mean_ms: number;
  queries: number;
  threads: number;
}

/** The p-quantile of a sorted sample, interpolating linearly between neighbours. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Online query latency of several query encoder folders: each query encoded alone (batch 1), as a
 * search request arrives, after a few warm-up calls; tokenisation included, the index lookup not. The
 * encoders take turns query by query, so load from other processes on a shared machine falls on all
 * of them alike instead of on whichever happened to run during a busy minute.
 */
export async function queryLatencies(
  dirs: readonly string[],
  queries: readonly string[],
  task: TaskHint,
  threads: number,
): Promise<Latency[]> {
  const encoders: HfEmbedder[] = [];
  try {
    for (const d of dirs) encoders.push(await HfEmbedder.open(d, { threads }));
    for (const e of encoders) for (const q of queries.slice(0, 5)) await e.encodeQueries([q], task);
    const times = encoders.map((): number[] => []);
    for (const q of queries) {
      for (let i = 0; i < encoders.length; i++) {
        const t = performance.now();
        await encoders[i].encodeQueries([q], task);
        times[i].push(performance.now() - t);
      }
    }
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return times.map((ts) => {
      const sorted = [...ts].sort((a, b) => a - b);
      return {
        p50_ms: round(percentile(sorted, 0.5)),
        p90_ms: round(percentile(sorted, 0.9)),
        mean_ms: round(ts.reduce((s, x) => s + x, 0) / ts.length),
        queries: ts.length,
        threads,
      };
    });
  } finally {
    await Promise.all(encoders.map((e) => e.close()));
  }
}
