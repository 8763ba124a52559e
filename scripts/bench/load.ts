/**
 * A closed-loop HTTP load generator for `bench:serve`: `concurrency` clients, each sending its next
 * request as soon as the previous answer arrives, for a fixed time.
 *
 * Not autocannon: against the same `care serve` (bert-base-shape encoder, 100k documents, one client)
 * autocannon measured a p50 of 81–85 ms where sequential fetch calls measured 52 ms and the server's
 * own timing 51 ms, so about 30 ms of its figure was the client's. Node's fetch (undici, keep-alive
 * connections) adds 1–3 ms over the server's own timing.
 */
import { summarizeLatency, type LatencySummary } from "./stats.js";

export interface LoadOptions {
  url: string;
  /** The JSON body of the i-th request (i counts across all clients). */
  body: (i: number) => string;
  concurrency: number;
  seconds: number;
  /** A request still unanswered after this long counts as an error (default 60 s). */
  timeoutMs?: number;
}

export interface LoadResult {
  concurrency: number;
  /** Answered with 2xx. */
  requests: number;
  errors: number;
  non_2xx: number;
  /** Completed requests per second, over the time until the last one answered. */
  qps: number;
  /** Client-side latency of the 2xx answers. */
  latency: LatencySummary | null;
  /** The server's own `took_ms` of the same answers (what the client adds is the difference). */
  server: LatencySummary | null;
}

export async function closedLoop(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const took: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const r = await fetch(o.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: o.body(next++),
          signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
        });
        const json = (await r.json()) as { took_ms?: number };
        if (!r.ok) {
          non2xx++;
          continue;
        }
        latencies.push(performance.now() - t0);
        if (typeof json.took_ms === "number") took.push(json.took_ms);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  const elapsed = (performance.now() - start) / 1000;
  return {
    concurrency: o.concurrency,
    requests: latencies.length,
    errors,
    non_2xx: non2xx,
    qps: latencies.length / elapsed,
    latency: latencies.length ? summarizeLatency(latencies) : null,
    server: took.length ? summarizeLatency(took) : null,
  };
}
