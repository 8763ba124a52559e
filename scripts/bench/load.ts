/**
 * A closed-loop HTTP load generator for `bench:serve`: `concurrency` clients, each sending its next
 * request as soon as the previous answer arrives, for a fixed time, over keep-alive connections.
 *
 * Not autocannon: against the same `care serve` (bert-base-shape encoder, 100k documents, one client)
 * autocannon measured a p50 of 81–85 ms where sequential fetch calls measured 52 ms and the server's
 * own timing 51 ms, so about 30 ms of its figure was the client's. Not fetch either: undici added
 * 2.7 ms to each /search over the server's own timing where node:http adds 1.5 ms (probe, one client,
 * 16-token queries), and the client's share is not what the benchmark is after.
 */
import { Agent, request } from "node:http";
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
  /** The server's `timing.encode_ms` of the same answers, when it reports one: the query encoder's share. */
  encode: LatencySummary | null;
}

interface Answer {
  status: number;
  json: { took_ms?: unknown; timing?: { encode_ms?: unknown } };
}

/** One POST over `agent`; rejects on a network error, a timeout or a body that is not JSON. */
function post(url: URL, body: string, agent: Agent, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) });
          } catch (e) {
            reject(e as Error);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

export async function closedLoop(o: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const took: number[] = [];
  const encode: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let next = 0;
  const url = new URL(o.url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const start = performance.now();
  const deadline = start + o.seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const { status, json } = await post(url, o.body(next++), agent, o.timeoutMs ?? 60_000);
        if (status < 200 || status >= 300) {
          non2xx++;
          continue;
        }
        latencies.push(performance.now() - t0);
        if (typeof json.took_ms === "number") took.push(json.took_ms);
        if (typeof json.timing?.encode_ms === "number") encode.push(json.timing.encode_ms);
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, client));
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - start) / 1000;
  const summary = (ms: number[]) => (ms.length ? summarizeLatency(ms) : null);
  return {
    concurrency: o.concurrency,
    requests: latencies.length,
    errors,
    non_2xx: non2xx,
    qps: latencies.length / elapsed,
    latency: summary(latencies),
    server: summary(took),
    encode: summary(encode),
  };
}
