import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CareError } from "../../src/core/errors.js";
import {
  OpenAiHttp,
  OpenAiHttpError,
  TransientReply,
  type OpenAiHttpOptions,
} from "../../src/util/openai-http.js";
import { ScriptedServer } from "../helpers/scripted-server.js";

/** Once its script runs out, the server answers {"ok": n}, n counting the requests so far. */
let mock: ScriptedServer<unknown>;
let url: string;

beforeAll(async () => {
  mock = await ScriptedServer.start(() => ({ ok: mock.seen.length }));
  url = `${mock.origin}/v1/things`;
});
afterAll(() => mock.close());
afterEach(() => {
  mock.reset();
  delete process.env.CARE_HTTP_TEST_KEY;
});

const client = (o: Partial<OpenAiHttpOptions> = {}) =>
  new OpenAiHttp({ url, timeoutMs: 2000, maxRetries: 3, retryBaseMs: 1, retryMaxMs: 5000, ...o });
const readOk = (text: string) => (JSON.parse(text) as { ok: number }).ok;

describe("OpenAiHttp against a local server", () => {
  it("waits for a 429's Retry-After before the next attempt, then succeeds", async () => {
    mock.script = [{ status: 429, retryAfter: "0.3" }];
    expect(await client().post({ q: 1 }, readOk)).toBe(2);
    expect(mock.seen).toHaveLength(2);
    expect(mock.seen[1].at - mock.seen[0].at).toBeGreaterThanOrEqual(290);
    expect(mock.seen[1].body).toEqual({ q: 1 });
  });

  it("caps a Retry-After at retryMaxMs", async () => {
    mock.script = [{ status: 503, retryAfter: "3600" }];
    const t0 = performance.now();
    expect(await client({ retryMaxMs: 50 }).post({}, readOk)).toBe(2);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("retries a 500 and a dropped connection with growing backoff, then succeeds", async () => {
    mock.script = [{ status: 500 }, "drop"];
    expect(await client({ retryBaseMs: 100 }).post({}, readOk)).toBe(3);
    // Equal jitter: the n-th retry waits at least half of base * 2^n.
    expect(mock.seen[1].at - mock.seen[0].at).toBeGreaterThanOrEqual(45);
    expect(mock.seen[2].at - mock.seen[1].at).toBeGreaterThanOrEqual(95);
  });

  it("times an attempt out, retries, and gives up naming the endpoint and the last problem", async () => {
    mock.script = ["hang"];
    expect(await client({ timeoutMs: 150 }).post({}, readOk)).toBe(2);
    mock.script = ["hang", "hang"];
    mock.seen = [];
    const err = await client({ timeoutMs: 150, maxRetries: 1 })
      .post({}, readOk)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAiHttpError);
    expect(err).toBeInstanceOf(CareError);
    expect((err as Error).message).toBe(
      `${url}: gave up after 2 attempts; last error: no response within 150 ms`,
    );
    expect(mock.seen).toHaveLength(2);
  });

  it("fails at once on a client error, with its status", async () => {
    mock.script = [{ status: 400, body: "bad request" }];
    const err = (await client()
      .post({}, readOk)
      .catch((e: unknown) => e)) as OpenAiHttpError;
    expect(err.status).toBe(400);
    expect(err.problem).toBe("HTTP 400: bad request");
    expect(mock.seen).toHaveLength(1);
  });

  it("retries a reply the reader calls transient; other reader errors fail at once", async () => {
    mock.script = [{ status: 200, body: "<html>proxy</html>" }];
    const lenient = (text: string) => {
      if (text.startsWith("<")) throw new TransientReply("not JSON");
      return readOk(text);
    };
    expect(await client().post({}, lenient)).toBe(2);
    mock.seen = [];
    const strict = () => {
      throw new CareError("unreadable");
    };
    await expect(client().post({}, strict)).rejects.toThrow("unreadable");
    expect(mock.seen).toHaveLength(1);
  });

  it("sends the key from the environment as a bearer token and never puts it in a message", async () => {
    process.env.CARE_HTTP_TEST_KEY = "sk-secret-42";
    mock.script = [{ status: 500, body: "echo sk-secret-42" }];
    const err = (await client({ apiKeyEnv: "CARE_HTTP_TEST_KEY", maxRetries: 0 })
      .post({}, readOk)
      .catch((e: unknown) => e)) as Error;
    expect(mock.seen[0].auth).toBe("Bearer sk-secret-42");
    expect(err.message).toContain("echo [redacted]");
    expect(err.message).not.toContain("sk-secret-42");
    expect(await client({ apiKeyEnv: "CARE_HTTP_TEST_UNSET" }).post({}, readOk)).toBe(2);
    expect(mock.seen[1].auth).toBeUndefined();
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
