import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { embeddingsUrl, OpenAIEmbedder, type OpenAIEmbedderOptions } from "../../src/embed/openai.js";
import { loadEmbedder } from "../../src/embed/load.js";
import { CareError } from "../../src/core/errors.js";
import { ScriptedServer } from "../helpers/scripted-server.js";

/**
 * Once its script runs out, the server embeds a text as [length, 1, 2] (so rows need normalising) and
 * lists the rows in reverse order with their `index`, so order must come from it.
 */
let mock: ScriptedServer<{ model: string; input: string[]; dimensions?: number }>;
let base: string;
let inFlight = 0;
let maxInFlight = 0;
let delayMs = 0;

beforeAll(async () => {
  mock = await ScriptedServer.start(async (body: { model: string; input: string[]; dimensions?: number }) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    inFlight--;
    const data = body.input.map((t, index) => ({ object: "embedding", index, embedding: [t.length, 1, 2] }));
    return { object: "list", data: data.reverse() };
  });
  base = mock.origin;
});
afterAll(() => mock.close());
afterEach(() => {
  mock.reset();
  inFlight = maxInFlight = 0;
  delayMs = 0;
  delete process.env.CARE_TEST_KEY;
});

const make = (o: Partial<OpenAIEmbedderOptions> = {}) =>
  new OpenAIEmbedder({
    baseUrl: `${base}/v1`,
    model: "m",
    retryBaseMs: 1,
    retryMaxMs: 20,
    apiKeyEnv: "CARE_TEST_KEY",
    ...o,
  });

const expectedRow = (t: string) => {
  const n = Math.hypot(t.length, 1, 2);
  return [t.length / n, 1 / n, 2 / n];
};

describe("OpenAIEmbedder against a local mock server", () => {
  it("batches, keeps input order across batches and the index field, normalises rows, learns dim", async () => {
    const texts = Array.from({ length: 10 }, (_, i) => "x".repeat(i + 1));
    const e = make({ batchSize: 3 });
    expect(e.dim).toBe(0);
    const rows = await e.embed(texts);
    expect(mock.seen.map((s) => s.body.input.length).sort()).toEqual([1, 3, 3, 3]);
    expect(mock.seen.every((s) => s.path === "/v1/embeddings" && s.body.model === "m")).toBe(true);
    expect(rows.map((r) => [...r])).toEqual(texts.map((t) => expectedRow(t).map((x) => Math.fround(x))));
    expect(e.dim).toBe(3);
    expect(await e.embed([])).toEqual([]);
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    delayMs = 30;
    await make({ batchSize: 1, concurrency: 2 }).embed(["a", "b", "c", "d", "e", "f"]);
    expect(mock.seen).toHaveLength(6);
    expect(maxInFlight).toBe(2);
  });

  it("retries 429 and 500, a dropped connection and a timeout, then succeeds", async () => {
    mock.script = [{ status: 429, retryAfter: "0" }, { status: 500 }, "drop", "hang"];
    const rows = await make({ timeoutMs: 200 }).embed(["abc"]);
    expect(mock.seen).toHaveLength(5);
    expect([...rows[0]]).toEqual(expectedRow("abc").map((x) => Math.fround(x)));
  });

  it("gives up after maxRetries with an error naming the endpoint and the last failure", async () => {
    mock.script = Array.from({ length: 10 }, () => ({ status: 503, body: "overloaded" }));
    const err = await make({ maxRetries: 2 })
      .embed(["a"])
      .catch((e) => e);
    expect(err).toBeInstanceOf(CareError);
    expect(err.message).toMatch(/gave up after 3 attempts; last error: HTTP 503: overloaded/);
    expect(err.message).toContain(`${base}/v1/embeddings`);
    expect(mock.seen).toHaveLength(3);
  });

  it("does not retry a client error, and never puts the key in a message", async () => {
    process.env.CARE_TEST_KEY = "sk-secret-123";
    mock.script = [{ status: 401, body: "bad key sk-secret-123" }];
    const err = await make()
      .embed(["a"])
      .catch((e) => e);
    expect(mock.seen).toHaveLength(1);
    expect(mock.seen[0].auth).toBe("Bearer sk-secret-123");
    expect(err).toBeInstanceOf(CareError);
    expect(err.message).toContain("HTTP 401");
    expect(err.message).not.toContain("sk-secret-123");
  });

  it("sends no Authorization header when the key variable is unset", async () => {
    await make().embed(["a"]);
    expect(mock.seen[0].auth).toBeUndefined();
  });

  it("formats queries with the instruction template, documents as title and text", async () => {
    const e = make({ queryTemplate: "Instruct: {instruction}\nQuery: {text}" });
    await e.encodeQueries(["发烧怎么办", "$& {text}"], {
      name: "t",
      type: "retrieval",
      queryInstruction: "检索回答",
    });
    expect(mock.seen[0].body.input).toEqual([
      "Instruct: 检索回答\nQuery: 发烧怎么办",
      "Instruct: 检索回答\nQuery: $& {text}",
    ]);
    await e.encodeQueries(["q"], { name: "t", type: "retrieval" });
    expect(mock.seen[1].body.input).toEqual(["q"]);
    await e.encodeCorpus([
      { id: "1", title: "标题", text: "正文" },
      { id: "2", text: "只有正文" },
    ]);
    expect(mock.seen[2].body.input).toEqual(["标题 正文", "只有正文"]);
    // A result file records the prompt each side sends, the input as {text}; the service decides the rest.
    expect(e.dim).toBeGreaterThan(0);
    expect(e.encoding({ name: "t", type: "retrieval", queryInstruction: "检索回答" })).toEqual({
      query: { prompt: "Instruct: 检索回答\nQuery: {text}", max_length: null, pooling: null, dim: e.dim },
      document: { prompt: "{text}", max_length: null, pooling: null, dim: e.dim },
    });
    expect(e.encoding({ name: "t", type: "retrieval" }).query.prompt).toBe("{text}");
  });

  it("uses the Qwen3-Embedding template by default for such models", async () => {
    await make({ model: "Qwen/Qwen3-Embedding-0.6B" }).encodeQueries(["q"], {
      name: "t",
      type: "retrieval",
      queryInstruction: "I",
    });
    // Qwen3-Embedding's own get_detailed_instruct puts no space after "Query:".
    expect(mock.seen[0].body.input).toEqual(["Instruct: I\nQuery:q"]);
  });

  it("rejects a response of the wrong width or length", async () => {
    await expect(make({ dim: 4 }).embed(["a"])).rejects.toThrow(/embedding width 3, expected 4/);
    mock.script = [{ status: 200, body: JSON.stringify({ data: [] }) }];
    await expect(make().embed(["a"])).rejects.toThrow(/expected "data" with 1 embeddings, got 0/);
  });

  it("passes `dimensions` through and is what loadEmbedder gives for an openai: spec", async () => {
    const e = await loadEmbedder(`openai:${base}#m`);
    expect(e).toBeInstanceOf(OpenAIEmbedder);
    expect(e.name).toBe(`openai:${base}#m`);
    await e.encodeCorpus([{ id: "1", text: "a" }]);
    expect(mock.seen[0].path).toBe("/v1/embeddings");
    await make({ dimensions: 3 }).embed(["a"]);
    expect(mock.seen[1].body.dimensions).toBe(3);
  });
});

describe("embeddingsUrl", () => {
  it("accepts a server root, an API base or the endpoint itself", () => {
    expect(embeddingsUrl("http://h:8000")).toBe("http://h:8000/v1/embeddings");
    expect(embeddingsUrl("http://h:8000/v1/")).toBe("http://h:8000/v1/embeddings");
    expect(embeddingsUrl("https://api.x.com/openai/v1/embeddings")).toBe(
      "https://api.x.com/openai/v1/embeddings",
    );
    expect(() => embeddingsUrl("not a url")).toThrow(CareError);
  });
});
