import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CareError } from "../../src/core/errors.js";
import {
  OpenAiHttp,
  OpenAiHttpError,
  TransientReply,
  type OpenAiHttpOptions,
} from "../../src/util/openai-http.js";

/**
 * A loopback server answering each request with the next scripted step (then 200 {"ok": n}), and
 * recording when each request arrived and what it carried.
 */
type Step = "hang" | "drop" | { status: number; body?: string; retryAfter?: string };
let server: Server;
let url: string;
let script: Step[] = [];
let seen: { at: number; auth: string | undefined; body: unknown }[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  let raw = "";
  req.on("data", (c) => (raw += c));
  req.on("end", () => {
    seen.push({ at: performance.now(), auth: req.headers.authorization, body: JSON.parse(raw) });
    const step = script.shift();
    if (step === "hang") return;
    if (step === "drop") return req.socket.destroy();
    if (step) {
      const headers: Record<string, string> = step.retryAfter ? { "retry-after": step.retryAfter } : {};
      res.writeHead(step.status, headers).end(step.body ?? "scripted failure");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: seen.length }));
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/things`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  script = [];
  seen = [];
  delete process.env.CARE_HTTP_TEST_KEY;
});

const client = (o: Partial<OpenAiHttpOptions> = {}) =>
  new OpenAiHttp({ url, timeoutMs: 2000, maxRetries: 3, retryBaseMs: 1, retryMaxMs: 5000, ...o });
const readOk = (text: string) => (JSON.parse(text) as { ok: number }).ok;

describe("OpenAiHttp against a local server", () => {
  it("waits for a 429's Retry-After before the next attempt, then succeeds", async () => {
    script = [{ status: 429, retryAfter: "0.3" }];
    expect(await client().post({ q: 1 }, readOk)).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(290);
    expect(seen[1].body).toEqual({ q: 1 });
  });

  it("caps a Retry-After at retryMaxMs", async () => {
    script = [{ status: 503, retryAfter: "3600" }];
    const t0 = performance.now();
    expect(await client({ retryMaxMs: 50 }).post({}, readOk)).toBe(2);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("retries a 500 and a dropped connection with growing backoff, then succeeds", async () => {
    script = [{ status: 500 }, "drop"];
    expect(await client({ retryBaseMs: 100 }).post({}, readOk)).toBe(3);
    // Equal jitter: the n-th retry waits at least half of base * 2^n.
    expect(seen[1].at - seen[0].at).toBeGreaterThanOrEqual(45);
    expect(seen[2].at - seen[1].at).toBeGreaterThanOrEqual(95);
  });

  it("times an attempt out, retries, and gives up naming the endpoint and the last problem", async () => {
    script = ["hang"];
    expect(await client({ timeoutMs: 150 }).post({}, readOk)).toBe(2);
    script = ["hang", "hang"];
    seen = [];
    const err = await client({ timeoutMs: 150, maxRetries: 1 })
      .post({}, readOk)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAiHttpError);
    expect(err).toBeInstanceOf(CareError);
    expect((err as Error).message).toBe(
      `${url}: gave up after 2 attempts; last error: no response within 150 ms`,
    );
    expect(seen).toHaveLength(2);
  });

  it("fails at once on a client error, with its status", async () => {
    script = [{ status: 400, body: "bad request" }];
    const err = (await client()
      .post({}, readOk)
      .catch((e: unknown) => e)) as OpenAiHttpError;
    expect(err.status).toBe(400);
    expect(err.problem).toBe("HTTP 400: bad request");
    expect(seen).toHaveLength(1);
  });

  it("retries a reply the reader calls transient; other reader errors fail at once", async () => {
    script = [{ status: 200, body: "<html>proxy</html>" }];
    const lenient = (text: string) => {
      if (text.startsWith("<")) throw new TransientReply("not JSON");
      return readOk(text);
    };
    expect(await client().post({}, lenient)).toBe(2);
    seen = [];
    const strict = () => {
      throw new CareError("unreadable");
    };
    await expect(client().post({}, strict)).rejects.toThrow("unreadable");
    expect(seen).toHaveLength(1);
  });

  it("sends the key from the environment as a bearer token and never puts it in a message", async () => {
    process.env.CARE_HTTP_TEST_KEY = "sk-secret-42";
    script = [{ status: 500, body: "echo sk-secret-42" }];
    const err = (await client({ apiKeyEnv: "CARE_HTTP_TEST_KEY", maxRetries: 0 })
      .post({}, readOk)
      .catch((e: unknown) => e)) as Error;
    expect(seen[0].auth).toBe("Bearer sk-secret-42");
    expect(err.message).toContain("echo [redacted]");
    expect(err.message).not.toContain("sk-secret-42");
    expect(await client({ apiKeyEnv: "CARE_HTTP_TEST_UNSET" }).post({}, readOk)).toBe(2);
    expect(seen[1].auth).toBeUndefined();
    expect(() => client({ apiKeyEnv: "CARE_HTTP_TEST_UNSET", keyRequired: true })).toThrow(
      /CARE_HTTP_TEST_UNSET .*is not set/,
    );
  });

  it("reports a refused connection after its retries", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = (await client({ url: `http://127.0.0.1:${port}/x`, maxRetries: 1 })
      .post({}, readOk)
      .catch((e: unknown) => e)) as OpenAiHttpError;
    expect(err.problem).toBe("gave up after 2 attempts; last error: connection failed: ECONNREFUSED");
    expect(err.status).toBeUndefined();
  });
});
