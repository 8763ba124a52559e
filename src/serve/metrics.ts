/** Latency buckets in seconds: sub-millisecond ANN lookups up to multi-second overloads. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * The server's Prometheus metrics, in the text exposition format: request counts by route and status,
 * request latency histograms by route, and gauges read at scrape time (queue depth, documents).
 */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  observe(route: string, method: string, status: number, seconds: number): void {
    const key = `route="${escapeLabel(route)}",method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const hkey = `route="${escapeLabel(route)}"`;
    let h = this.latency.get(hkey);
    if (!h) this.latency.set(hkey, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]++;
    });
    h.sum += seconds;
    h.count++;
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  render(): string {
    const out: string[] = [
      "# HELP care_http_requests_total HTTP requests answered, by route, method and status.",
      "# TYPE care_http_requests_total counter",
    ];
    for (const [labels, n] of this.requests) out.push(`care_http_requests_total{${labels}} ${n}`);
    out.push(
      "# HELP care_http_request_duration_seconds Time from request to response, by route.",
      "# TYPE care_http_request_duration_seconds histogram",
    );
    for (const [labels, h] of this.latency) {
      BUCKETS.forEach((b, i) =>
        out.push(`care_http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`),
      );
      out.push(`care_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`care_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`care_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    for (const [name, g] of this.gauges) {
      out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    }
    return out.join("\n") + "\n";
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
