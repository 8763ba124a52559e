import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoop } from "../../scripts/bench/load.js";

/** Answers after 5 ms with took_ms 1 and timing.encode_ms 0.5; every third request gets a 429. */
let server: Server;
let url: string;
const seen: number[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const { n } = JSON.parse(body) as { n: number };
      seen.push(n);
      setTimeout(() => {
        res.writeHead(n % 3 === 2 ? 429 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(n % 3 === 2 ? { error: "busy" } : { took_ms: 1, timing: { encode_ms: 0.5 } }));
      }, 5);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe("closedLoop", () => {
  it("keeps `concurrency` requests in flight, counts 2xx and the rest apart, reads the server's timing", async () => {
    seen.length = 0;
    const r = await closedLoop({ url, body: (i) => JSON.stringify({ n: i }), concurrency: 4, seconds: 0.5 });
    // Every request body was distinct, numbered in order of sending.
    expect([...seen].sort((a, b) => a - b)).toEqual(seen.map((_, i) => i));
    expect(r.requests + r.non_2xx).toBe(seen.length);
    expect(r.non_2xx).toBe(seen.filter((n) => n % 3 === 2).length);
    expect(r.errors).toBe(0);
    // 4 clients over 0.5 s at >= 5 ms a request: at most 400 requests, and far more than one client's.
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.length).toBeLessThanOrEqual(400);
    expect(r.latency!.p50_ms).toBeGreaterThanOrEqual(5);
    expect(r.server!.p50_ms).toBe(1);
    expect(r.encode!.p50_ms).toBe(0.5);
    expect(r.encode!.n).toBe(r.requests);
    expect(r.qps).toBeCloseTo(r.requests / 0.5, -2);
  });

  it("counts an unreachable server as errors, not answers", async () => {
    const r = await closedLoop({
      url: "http://127.0.0.1:9/",
      body: () => "{}",
      concurrency: 1,
      seconds: 0.1,
    });
    expect(r.requests).toBe(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.latency).toBeNull();
  });
});
