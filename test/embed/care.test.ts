import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CareEmbedder } from "../../src/embed/care.js";
import { openCareEmbedder, loadEmbedder } from "../../src/embed/load.js";
import type { Embedder } from "../../src/core/embedder.js";
import { HfEmbedder } from "../../src/embed/hf.js";
import { makeTiny } from "../../src/models/make-tiny.js";
import { loadCard, writeCard } from "../../src/models/card.js";

const dir = mkdtempSync(join(tmpdir(), "care-care-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readConfig = (d: string) =>
  JSON.parse(readFileSync(join(d, "config.json"), "utf8")) as Record<string, unknown>;
const q = join(dir, "query-bert");
const d = join(dir, "doc-qwen3");
const DOCS = [
  { id: "a", text: "二甲双胍是二型糖尿病的一线用药", title: "糖尿病" },
  { id: "b", text: "高血压患者应低盐饮食" },
];
const TASK = { name: "t", type: "retrieval" as const, queryInstruction: "检索医学回答" };

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((v, i) => v.forEach((x, j) => (m = Math.max(m, Math.abs(x - b[i][j])))));
  return m;
}

describe("CareEmbedder", () => {
  beforeAll(() => {
    makeTiny({ out: q, family: "bert", hidden: 16, heads: 2, seed: 1 });
    makeTiny({ out: d, family: "qwen3", hidden: 32, heads: 4, kvHeads: 2, seed: 2 });
  });

  it("encodes queries with the query side and documents with the document side cut to its width", async () => {
    const care = await loadEmbedder(`care:${q},${d}`, { threads: 1 });
    expect(care.name).toBe(`care:${q},${d}`);
    expect(care.dim).toBe(16);
    const qSide = await HfEmbedder.open(q, { threads: 1 });
    const dSide = await HfEmbedder.open(d, { threads: 1 });
    expect(dSide.dim).toBe(32);

    const queries = await care.encodeQueries(["糖尿病吃什么药"], TASK);
    expect(maxAbsDiff(queries, await qSide.encodeQueries(["糖尿病吃什么药"], TASK))).toBe(0);

    const docs = await care.encodeCorpus(DOCS, TASK);
    const full = await dSide.encodeCorpus(DOCS);
    for (let i = 0; i < docs.length; i++) {
      expect(docs[i].length).toBe(16);
      expect(Math.hypot(...docs[i])).toBeCloseTo(1, 5);
      // Same direction as the document side's first 16 coordinates.
      const head = full[i].slice(0, 16);
      const n = Math.hypot(...head);
      docs[i].forEach((x, j) => expect(x).toBeCloseTo(head[j] / n, 5));
    }

    const id = care.describe!();
    expect(id.query).toEqual(qSide.describe().query);
    expect(id.document).toMatchObject({ kind: "hf", path: dSide.describe().document.path, dim: 16 });

    // What a result file records of each side: the query side's prompt (a BERT takes the text as it
    // is) and the document side's settings at the pair's width.
    const enc = care.encoding!(TASK);
    expect(enc.query).toEqual(qSide.encoding(TASK).query);
    expect(enc.query.prompt).toBe("{text}");
    expect(enc.document).toMatchObject({ prompt: "{text}", pooling: "last", dim: 16 });
    // The Qwen3 side fills the task's instruction into its template.
    expect(dSide.encoding(TASK).query.prompt).toBe("Instruct: 检索医学回答\nQuery:{text}");
    expect(dSide.encoding(TASK).query.dim).toBe(32);
    await Promise.all([care.close!(), qSide.close(), dSide.close()]);
  });

  it("cuts queries at a card's query_max_length, documents at its max_length, and records both", async () => {
    const short = join(dir, "bert-short-queries");
    makeTiny({ out: short, family: "bert", hidden: 16, heads: 2, seed: 1 });
    writeCard(short, { ...loadCard(short, "bert", readConfig(short)), max_length: 64, query_max_length: 6 });
    const e = await HfEmbedder.open(short, { threads: 1 });
    const long = "心".repeat(40);
    const cut = "心".repeat(4); // 6 tokens: [CLS], four characters, [SEP]
    expect(Array.from((await e.encodeQueries([long]))[0])).toEqual(
      Array.from((await e.encodeTexts([cut]))[0]),
    );
    const doc = (await e.encodeCorpus([{ id: "1", text: long }]))[0];
    expect(Array.from(doc)).not.toEqual(Array.from((await e.encodeTexts([cut]))[0]));
    expect(e.encoding(TASK).query.max_length).toBe(6);
    expect(e.encoding(TASK).document.max_length).toBe(64);
    await e.close();
  });

  it("takes a document-side spec as well as a folder", async () => {
    const care = await loadEmbedder(`care:${q},hf:${d}`, { threads: 1 });
    expect(care.dim).toBe(16);
    expect((await care.encodeCorpus(DOCS))[1].length).toBe(16);
    await care.close!();
  });

  it("refuses a document side narrower than the query side", async () => {
    await expect(openCareEmbedder(d, q, { threads: 1 })).rejects.toThrow(
      /document side hf:.* is 16 wide, narrower than the query side hf:.* \(32\)/,
    );
    const query = await HfEmbedder.open(q, { threads: 1 });
    const narrow: Embedder = {
      name: "fake",
      dim: 8,
      encodeQueries: async () => [],
      encodeCorpus: async () => [],
    };
    expect(() => new CareEmbedder(query, narrow)).toThrow(/fake is 8 wide/);
    await query.close();
  });

  it("cuts and renormalises rows from a non-HF document side", async () => {
    const query = await HfEmbedder.open(q, { threads: 1 });
    const wide: Embedder = {
      name: "gguf:/models/doc.gguf",
      dim: 20,
      encodeQueries: async () => [],
      encodeCorpus: async (docs) =>
        docs.map(() => Float32Array.from({ length: 20 }, (_, i) => (i < 16 ? 0.5 : 3))),
    };
    const care = new CareEmbedder(query, wide);
    expect(care.name).toBe(`care:${q},gguf:/models/doc.gguf`);
    const [row] = await care.encodeCorpus([DOCS[0]]);
    expect([...row]).toEqual(new Array(16).fill(0.25));
    expect(care.describe().document).toEqual({ name: "gguf:/models/doc.gguf", dim: 16 });
    await query.close();
  });
});
