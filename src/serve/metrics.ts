import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { EncodeBackend } from "./encoder-backend.js";

/** Latency buckets in seconds: sub-millisecond ANN lookups up to multi-second overloads. */
const BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * The server's Prometheus metrics (prom-client), one registry per server so that several servers in a
 * process keep their own counts: the process defaults (CPU, memory, event-loop lag, GC), requests by
 * route and status, request latency by route, encoder and index time, and gauges read at scrape time.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "care_http_requests_total",
    help: "HTTP requests answered, by route, method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "care_http_request_duration_seconds",
    help: "Time from request to response, by route.",
    labelNames: ["route"] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });
  /** One encoder call (a batch of queued texts), by side; the wait in the queue is not included. */
  readonly encode = new Histogram({
    name: "care_encode_seconds",
    help: "Time the encoder took for one batch, by side (query or document).",
    labelNames: ["side"] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });
  /** One index lookup for /search. */
  readonly search = new Histogram({
    name: "care_index_search_seconds",
    help: "Time the index took to answer one search.",
    buckets: BUCKETS,
    registers: [this.registry],
  });

  constructor(read: { queueDepth: () => number; documents: () => number }) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "care_encode_queue_depth",
      help: "Encoder requests waiting or being encoded.",
      registers: [this.registry],
      collect() {
        this.set(read.queueDepth());
      },
    });
    new Gauge({
      name: "care_index_documents",
      help: "Documents in the served index.",
      registers: [this.registry],
      collect() {
        this.set(read.documents());
      },
    });
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The backend with each encoder call timed into `care_encode_seconds`. */
export function timedBackend(backend: EncodeBackend, metrics: ServerMetrics): EncodeBackend {
  return {
    get info() {
      return backend.info;
    },
    async encode(side, texts, task) {
      const end = metrics.encode.startTimer({ side });
      try {
        return await backend.encode(side, texts, task);
      } finally {
        end();
      }
    },
    close: () => backend.close(),
  };
}
