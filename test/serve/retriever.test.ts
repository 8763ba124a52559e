import Database from "better-sqlite3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBm25Side, Bm25Side, BM25_FILE } from "../../src/lexical/bm25-side.js";
import { fuseRankings } from "../../src/lexical/fusion.js";
import { Bm25Search } from "../../src/lexical/bm25-search.js";
import { createServer } from "../../src/serve/server.js";
import { buildIndex, DOCUMENTS_ONLY } from "../../src/store/build.js";
import { openIndex } from "../../src/store/open.js";
import { FixtureHashEmbedder } from "../store/fixture-embedders.js";

/**
 * The served index's BM25 side and the three retrievers of /search. The dense side is a fixture hash
 * encoder; what is checked is that each retriever answers what its parts, queried directly, say.
 */
const root = mkdtempSync(join(tmpdir(), "care-hybrid-"));
const DOCS = [
  { _id: "d1", title: "糖尿病饮食", text: "糖尿病患者应控制血糖，西瓜含糖量高，少量食用" },
  { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服药" },
  { _id: "d3", text: "感冒发烧可以多喝水，注意休息" },
  { _id: "d4", text: "慢性胃炎需要规律饮食，避免辛辣刺激" },
  { _id: "d5", text: "糖尿病足要注意足部护理，每天检查" },
];
const corpus = join(root, "c.jsonl");
const dense = join(root, "dense");
const docsOnly = join(root, "docs-only");
const encoder = new FixtureHashEmbedder(64);
const QUERY = "糖尿病人饮食要注意什么";

beforeAll(async () => {
  writeFileSync(corpus, DOCS.map((d) => JSON.stringify(d)).join("\n"));
  await buildIndex({ corpus, out: dense, encoders: [encoder], progress: false });
  buildBm25Side(dense, { progress: false });
  await buildIndex({ corpus, out: docsOnly, encoders: [DOCUMENTS_ONLY], progress: false });
  buildBm25Side(docsOnly, { progress: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const search = async (url: string, query: string, top_k = 3) => {
  const res = await fetch(`${url}/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, top_k }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { hits: { id: string; score: number }[]; retriever: string };
};

describe("the BM25 side of an index", () => {
  it("ranks as BM25 over the stored documents, and resumes a build cut short", () => {
    const side = Bm25Side.open(dense, DOCS.length);
    const hits = side.search(QUERY, 5);
    // The same ranking as BM25 over the corpus in memory; only documents sharing a term come back.
    const inMemory = Bm25Search.build(DOCS.map((d) => ({ ...d, id: d._id }))).search(QUERY, 5, false);
    expect(hits.map((h) => [h.id, h.score])).toEqual(inMemory.map((h) => [h.id, h.score]));
    expect(hits.length).toBeGreaterThan(1);
    expect(side.search("高血压", 5).map((h) => h.id)).toEqual(["d2"]);

    // A build killed after its first batches leaves a prefix of keys; the rerun adds the rest once.
    const partial = join(root, "partial");
    return buildIndex({ corpus, out: partial, encoders: [encoder], progress: false }).then(() => {
      buildBm25Side(partial, { progress: false, batchSize: 2 });
      const db = new Database(join(partial, BM25_FILE));
      db.prepare("DELETE FROM terms WHERE key > 2").run();
      db.close();
      expect(() => Bm25Side.open(partial, DOCS.length)).toThrow(/holds 2 of the index's 5 documents/);
      expect(buildBm25Side(partial, { progress: false, batchSize: 2 })).toBe(3);
      expect(buildBm25Side(partial, { progress: false })).toBe(0);
      expect(Bm25Side.open(partial, DOCS.length).search(QUERY, 5)).toEqual(hits);
    });
  });
});

describe("/search by retriever", () => {
  it("hybrid answers the fusion of the dense and BM25 rankings, and says so", async () => {
    const server = await createServer({ index: dense, query: encoder, retriever: "hybrid" });
    try {
      const url = await server.listen(0);
      const body = await search(url, QUERY, 3);
      expect(body.retriever).toBe("hybrid");

      const index = await openIndex(dense);
      const vector = (await encoder.encodeQueries([QUERY]))[0];
      const expected = fuseRankings(
        Bm25Side.open(dense, DOCS.length).search(QUERY, 100),
        await index.search(vector, 100),
        {
          method: "rrf",
          k: 60,
        },
      ).slice(0, 3);
      await index.close();
      expect(body.hits.map((h) => [h.id, h.score])).toEqual(expected.map((h) => [h.id, h.score]));
      const health = (await (await fetch(`${url}/healthz`)).json()) as { retriever: string };
      expect(health.retriever).toBe("hybrid");
    } finally {
      await server.close();
    }
  });

  it("dense stays the default with a query encoder; blend fusion is an option", async () => {
    const plain = await createServer({ index: dense, query: encoder });
    try {
      expect((await search(await plain.listen(0), QUERY)).retriever).toBe("dense");
    } finally {
      await plain.close();
    }
    const blend = await createServer({
      index: dense,
      query: encoder,
      retriever: "hybrid",
      fusion: { method: "blend", weight: 0 },
    });
    try {
      // Weight 0 on the dense side: BM25's order.
      const body = await search(await blend.listen(0), QUERY, 2);
      const lexical = Bm25Side.open(dense, DOCS.length).search(QUERY, 2);
      expect(body.hits.map((h) => h.id)).toEqual(lexical.map((h) => h.id));
    } finally {
      await blend.close();
    }
  });

  it("an index of documents only serves BM25 without an encoder, and refuses the rest", async () => {
    const server = await createServer({ index: docsOnly, pageNote: "BM25 alone" });
    try {
      const url = await server.listen(0);
      const body = await search(url, QUERY, 5);
      expect(body.retriever).toBe("bm25");
      const lexical = Bm25Side.open(docsOnly, DOCS.length).search(QUERY, 5);
      expect(body.hits.map((h) => [h.id, h.score])).toEqual(lexical.map((h) => [h.id, h.score]));
      const first = DOCS.find((d) => d._id === body.hits[0].id)!;
      expect(body.hits[0]).toEqual({
        ...lexical[0],
        key: undefined,
        title: first.title ?? null,
        text: first.text,
      });
      const emb = await fetch(`${url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: "x", model: "query" }),
      });
      expect(emb.status).toBe(400);
      expect(((await emb.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
      expect(await (await fetch(url)).text()).toContain("BM25 alone");
    } finally {
      await server.close();
    }
    await expect(createServer({ index: docsOnly, query: encoder, retriever: "hybrid" })).rejects.toThrow(
      /holds documents only/,
    );
    await expect(createServer({ index: dense, retriever: "hybrid" })).rejects.toThrow(
      /needs a query encoder/,
    );
  });
});
