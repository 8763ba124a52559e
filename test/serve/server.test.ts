import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../../src/serve/server.js";
import { FixtureHashEmbedder } from "../store/fixture-embedders.js";
import { serveFixture, type FixtureServer } from "./fixture-server.js";

const DOCS = [
  { _id: "d1", title: "糖尿病饮食", text: "糖尿病患者应控制血糖，西瓜含糖量高，少量食用" },
  { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服药" },
  { _id: "d3", text: "感冒发烧可以多喝水，注意休息" },
];
const encoder = new FixtureHashEmbedder(64);
let fixture: FixtureServer | undefined;
let url: string;

beforeAll(async () => {
  fixture = await serveFixture(DOCS, encoder);
  url = fixture.url;
});
afterAll(() => fixture?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;
const json = async (res: Response): Promise<Json> => res.json();

const post = (path: string, body: string, contentType = "application/json") =>
  fetch(url + path, { method: "POST", headers: { "content-type": contentType }, body });

describe("POST /search", () => {
  it("answers hits with id, score, title, text, the latency and the query's terms", async () => {
    const res = await post("/search", JSON.stringify({ query: "糖尿病患者能吃西瓜吗", top_k: 2 }));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.hits).toHaveLength(2);
    expect(body.hits[0]).toEqual({
      id: "d1",
      score: expect.any(Number),
      title: "糖尿病饮食",
      text: DOCS[0].text,
    });
    expect(body.hits[0].score).toBeGreaterThan(body.hits[1].score);
    expect(body.took_ms).toBeGreaterThan(0);
    expect(body.timing.encode_ms).toBeGreaterThan(0);
    expect(body.timing.search_ms).toBeGreaterThan(0);
    expect(body.timing.encode_ms + body.timing.search_ms).toBeCloseTo(body.took_ms, 6);
    expect(body.terms).toEqual(expect.arrayContaining(["糖尿病", "西瓜"]));
    expect(body.terms).not.toContain("吗");
  });

  it("gives a document without a title a null title", async () => {
    const body = await json(await post("/search", JSON.stringify({ query: "感冒发烧", top_k: 1 })));
    expect(body.hits[0]).toMatchObject({ id: "d3", title: null });
  });
});

describe("bad requests get a 4xx JSON error and the server keeps serving", () => {
  const cases: [string, () => Promise<Response>, number, RegExp][] = [
    ["malformed JSON", () => post("/search", '{"query": "糖尿'), 400, /JSON/i],
    ["empty query", () => post("/search", JSON.stringify({ query: "" })), 400, /query/],
    ["blank query", () => post("/search", JSON.stringify({ query: "   " })), 400, /empty/],
    ["missing query", () => post("/search", JSON.stringify({ top_k: 3 })), 400, /query/],
    ["a 1 MB query", () => post("/search", JSON.stringify({ query: "病".repeat(1 << 20) })), 413, /body/i],
    [
      "a 5000-character query",
      () => post("/search", JSON.stringify({ query: "病".repeat(5000) })),
      400,
      /1000/,
    ],
    ["top_k -1", () => post("/search", JSON.stringify({ query: "感冒", top_k: -1 })), 400, /top_k/],
    ["top_k 10^9", () => post("/search", JSON.stringify({ query: "感冒", top_k: 1e9 })), 400, /top_k/],
    ["top_k as a string", () => post("/search", JSON.stringify({ query: "感冒", top_k: "5" })), 400, /top_k/],
    [
      "an unknown field",
      () => post("/search", JSON.stringify({ query: "感冒", k: 5 })),
      400,
      /body\.k: unknown field/,
    ],
    [
      "an unknown task",
      () => post("/search", JSON.stringify({ query: "感冒", task: "Other" })),
      400,
      /body\.task: unknown task "Other"/,
    ],
    [
      "an unknown embeddings field",
      () => post("/v1/embeddings", JSON.stringify({ input: "x", model: "query", dims: 8 })),
      400,
      /body\.dims: unknown field/,
    ],
    ["a JSON array body", () => post("/search", "[1,2]"), 400, /object/],
    [
      "text/plain",
      () => post("/search", JSON.stringify({ query: "感冒" }), "text/plain"),
      415,
      /content-type/i,
    ],
    ["no body", () => fetch(url + "/search", { method: "POST" }), 400, /body/],
    ["an unknown route", () => fetch(url + "/nope"), 404, /nope/],
    ["GET /search", () => fetch(url + "/search"), 404, /search/],
    [
      "an unknown model",
      () => post("/v1/embeddings", JSON.stringify({ input: "x", model: "gpt" })),
      400,
      /body\.model: model "gpt" is not served/,
    ],
    [
      "dimensions over the width",
      () => post("/v1/embeddings", JSON.stringify({ input: "x", model: "query", dimensions: 65 })),
      400,
      /64/,
    ],
    [
      "token-array input",
      () => post("/v1/embeddings", JSON.stringify({ input: [[1, 2]], model: "query" })),
      400,
      /input/,
    ],
    [
      "an empty input",
      () => post("/v1/embeddings", JSON.stringify({ input: "", model: "query" })),
      400,
      /empty/,
    ],
  ];
  for (const [name, send, status, message] of cases) {
    it(name, async () => {
      const res = await send();
      expect(res.status).toBe(status);
      const body = await json(res);
      expect(body.error.message).toMatch(message);
      expect(body.error.type).toBe("invalid_request_error");
      const ok = await post("/search", JSON.stringify({ query: "高血压", top_k: 1 }));
      expect(ok.status).toBe(200);
      expect((await json(ok)).hits[0].id).toBe("d2");
    });
  }
});

describe("POST /v1/embeddings with the official openai client", () => {
  const client = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });

  it("returns float vectors equal to the query encoder's, in OpenAI's response shape", async () => {
    const res = await client().embeddings.create({
      model: "query",
      input: ["糖尿病", "高血压患者"],
      encoding_format: "float",
    });
    expect(res.object).toBe("list");
    expect(res.model).toBe("query");
    expect(res.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(res.data.map((d) => [d.object, d.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
    ]);
    const want = encoder.embed("高血压患者");
    res.data[1].embedding.forEach((x, i) => expect(x).toBeCloseTo(want[i], 6));
  });

  it("returns base64 (the client's default) that decodes to the same vector", async () => {
    const res = await client().embeddings.create({ model: encoder.name, input: "感冒发烧" });
    const want = encoder.embed("感冒发烧");
    expect(res.data[0].embedding).toHaveLength(64);
    res.data[0].embedding.forEach((x, i) => expect(x).toBeCloseTo(want[i], 6));
    const raw = await json(
      await post(
        "/v1/embeddings",
        JSON.stringify({ model: "query", input: "感冒发烧", encoding_format: "base64" }),
      ),
    );
    const bytes = Buffer.from(raw.data[0].embedding, "base64");
    expect(new Float32Array(bytes.buffer, bytes.byteOffset, 64)).toEqual(want);
  });

  it("cuts to `dimensions` and renormalises (Matryoshka)", async () => {
    const res = await client().embeddings.create({ model: "document", input: "糖尿病", dimensions: 16 });
    const v = res.data[0].embedding;
    expect(v).toHaveLength(16);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const full = encoder.embed("糖尿病").slice(0, 16);
    const n = Math.hypot(...full);
    v.forEach((x, i) => expect(x).toBeCloseTo(full[i] / n, 5));
  });
});

describe("health, metrics and the page", () => {
  it("GET /healthz reports the index and models", async () => {
    const body = await json(await fetch(url + "/healthz"));
    expect(body).toMatchObject({
      status: "ok",
      documents: 3,
      dim: 64,
      mode: "ann",
      query_model: encoder.name,
    });
  });

  it("GET /metrics has request counts by route and status, latency histograms, encoder and index time, the queue depth and process metrics", async () => {
    await post("/search", "{");
    const text = await (await fetch(url + "/metrics")).text();
    expect(text).toMatch(/care_http_requests_total\{route="\/search",method="POST",status="200"\} [1-9]/);
    expect(text).toMatch(/care_http_requests_total\{route="\/search",method="POST",status="400"\} [1-9]/);
    expect(text).toMatch(/care_http_request_duration_seconds_bucket\{le="\+Inf",route="\/search"\} [1-9]/);
    expect(text).toMatch(/care_encode_seconds_count\{side="query"\} [1-9]/);
    expect(text).toMatch(/care_index_search_seconds_count [1-9]/);
    // prom-client's process metrics
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds /);
    expect(text).toMatch(/care_http_request_duration_seconds_count\{route="\/v1\/embeddings"\} [1-9]/);
    expect(text).toContain("care_encode_queue_depth 0");
    expect(text).toContain("care_index_documents 3");
  });

  it("GET / serves the search page", async () => {
    const res = await fetch(url + "/");
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain('<form id="search">');
  });
});

describe("a bounded queue and a graceful close", () => {
  it("answers 429 with Retry-After once the queue is full, serves the rest, and finishes in-flight work on close", async () => {
    const slow = await createServer({
      index: fixture!.index,
      query: new FixtureHashEmbedder(64, 150),
      maxQueue: 2,
      maxBatch: 1,
    });
    const base = await slow.listen(0);
    const send = () =>
      fetch(base + "/search", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "感冒", top_k: 1 }),
      });
    const responses = await Promise.all(Array.from({ length: 8 }, send));
    const statuses = responses.map((r) => r.status).sort();
    // One encoding, two waiting: the other five are refused at once.
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    const refused = responses.find((r) => r.status === 429)!;
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await json(refused)).error.type).toBe("rate_limit_error");

    const inFlight = send();
    await new Promise((r) => setTimeout(r, 30));
    await slow.close();
    expect((await inFlight).status).toBe(200);
    await expect(send()).rejects.toThrow();
  });
});
