/** Reading the two training inputs, the document-embedding cache, and the choice of each query's group. */
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readStage1Texts, readStage2Rows } from "../../src/care/data.js";
import { DocEmbeddingCache, embedDocuments } from "../../src/care/doc-cache.js";
import {
  batchGroups,
  buildPairSet,
  chooseGroup,
  MASKED_LOGIT,
  pairMask,
  typedBatchOrder,
  type PairExample,
} from "../../src/care/pairs.js";
import { normalize } from "../../src/util/vector.js";
import { type Doc } from "../../src/core/doc.js";
import { type Embedder } from "../../src/core/embedder.js";
import { rng } from "../../src/util/rng.js";

const SAMPLES = "../shared/data/care-samples";
const root = mkdtempSync(join(tmpdir(), "care-data-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("training inputs", () => {
  it("reads the release's stage-I samples once per distinct text, and plain text lines", async () => {
    const s = await readStage1Texts(join(SAMPLES, "stage1/stage1-query-align-q.jsonl"));
    expect(s.texts).toHaveLength(20);
    expect(s.repeats).toBe(20); // each row's positive is its query
    expect(s.texts[0]).toBe("TCT检查前需注意什么？");
    const txt = join(root, "t.txt");
    writeFileSync(txt, "甲\n\n乙\n甲\n");
    expect((await readStage1Texts(txt)).texts).toEqual(["甲", "乙"]);
  });

  it("names file and line for a bad stage-I row", async () => {
    const f = join(root, "bad1.jsonl");
    writeFileSync(f, '{"query":"甲","pos":["甲"]}\n{"query":"乙","pos":[3]}\n');
    await expect(readStage1Texts(f)).rejects.toThrow(`${f}:2: field "pos" must be an array of strings`);
    writeFileSync(f, '{"text":"甲"}\n');
    await expect(readStage1Texts(f)).rejects.toThrow(`${f}:1: field "query"`);
  });

  it("reads stage-II samples with their prompts, and fills the release default where a row has none", async () => {
    const sts = await readStage2Rows(join(SAMPLES, "stage2/stage2-medteb-sts.jsonl"));
    expect(sts).toHaveLength(20); // the file has no newline after its last row
    expect(sts[0]).toMatchObject({
      query: "荨麻疹如何快速治愈？",
      prompt: "Retrieve semantically similar text.",
      type: "symmetric_sts",
    });
    expect(sts[0].neg).toHaveLength(7);
    const f = join(root, "s2.jsonl");
    writeFileSync(f, '{"query":"问","pos":["答"]}\n');
    expect((await readStage2Rows(f))[0]).toMatchObject({
      neg: [],
      type: "normal",
      prompt: expect.stringContaining("medical"),
    });
    writeFileSync(f, '{"query":"问","pos":[]}\n');
    await expect(readStage2Rows(f)).rejects.toThrow(`${f}:1: field "pos"`);
  });
});

describe("groups", () => {
  const ex = (pos: number[], neg: number[]): PairExample => ({
    index: 0,
    query: [1],
    pos,
    neg,
    type: "normal",
    queryKey: 0,
    labeled: pos,
  });

  it("samples hard negatives without repeats when there are enough", () => {
    const g = chooseGroup(ex([0], [1, 2, 3, 4, 5, 6, 7, 8, 9]), 8, rng(1), 10);
    expect(g[0]).toBe(0);
    expect(new Set(g.slice(1)).size).toBe(7);
    expect(g.slice(1).every((d) => d >= 1 && d <= 9)).toBe(true);
  });

  it("repeats the few hard negatives a row has, and draws other documents for a row with none", () => {
    expect(chooseGroup(ex([0], [5, 6]), 5, rng(1), 10)).toEqual([0, 5, 6, 5, 6]);
    const g = chooseGroup(ex([3], []), 8, rng(2), 50);
    expect(g[0]).toBe(3);
    expect(g.slice(1).every((d) => d !== 3 && d >= 0 && d < 50)).toBe(true);
  });

  it("draws the same groups for the same batch (a resumed run) and different ones for another", () => {
    const set = buildPairSet(
      Array.from({ length: 6 }, (_, i) => ({
        query: `q${i}`,
        pos: [`p${i}`],
        neg: [`n${i}a`, `n${i}b`, `n${i}c`],
        prompt: "",
        type: "normal",
      })),
      () => [1],
      () => [2],
    );
    expect(set.docs).toHaveLength(24);
    const batch = set.examples.slice(0, 3);
    expect(batchGroups(batch, set, 3, 7)).toEqual(batchGroups(batch, set, 3, 7));
    const other = [set.examples[3], ...set.examples.slice(1, 3)];
    expect(batchGroups(other, set, 3, 7)[0][0]).toBe(set.examples[3].pos[0]);
  });
});

describe("batches", () => {
  const row = (query: string, pos: string, type: string) => ({
    query,
    pos: [pos],
    neg: [],
    prompt: "",
    type,
  });
  // Two types of unequal size; the query "a" appears in three rows with different positives.
  const rows = [
    row("a", "pa1", "qq"),
    row("a", "pa2", "qq"),
    row("a", "pa3", "qq"),
    ...Array.from({ length: 7 }, (_, i) => row(`q${i}`, `p${i}`, "qq")),
    ...Array.from({ length: 5 }, (_, i) => row(`r${i}`, `s${i}`, "qa")),
  ];
  const set = buildPairSet(
    rows,
    () => [1],
    () => [2],
  );

  it("hold rows of one type and no query twice, the same every call for an epoch", () => {
    const order = typedBatchOrder(set.examples, 4, 3);
    // 10 "qq" rows make 3 batches of 4, 5 "qa" rows 2 batches of 4.
    expect(order.length).toBe(20);
    for (const epoch of [0, 1]) {
      const o = order.epoch(epoch);
      expect(o).toHaveLength(20);
      expect(order.epoch(epoch)).toEqual(o);
      for (let b = 0; b < 5; b++) {
        const batch = o.slice(4 * b, 4 * b + 4).map((i) => set.examples[i]);
        expect(new Set(batch.map((e) => e.type)).size).toBe(1);
        expect(new Set(batch.map((e) => e.queryKey)).size).toBe(4);
      }
      // Every query is visited each epoch (a repeated query's rows may wait for a later epoch).
      expect(new Set(o.map((i) => set.examples[i].queryKey)).size).toBe(13);
    }
    expect(order.epoch(0)).not.toEqual(order.epoch(1));
  });

  it("mask a query's other labelled positives wherever they sit, never its own positive", () => {
    const a1 = set.examples[0];
    expect(a1.labeled.sort()).toEqual(
      [...set.examples[0].pos, ...set.examples[1].pos, ...set.examples[2].pos].sort(),
    );
    const q0 = set.examples[3];
    // Groups of 2: [a1's positive, q0's positive] and [q0's positive, a2's positive]. For a1, a2's
    // positive (column 3) is masked; for q0 its positive sitting in a1's group (column 1) is.
    const groups = [
      [a1.pos[0], q0.pos[0]],
      [q0.pos[0], set.examples[1].pos[0]],
    ];
    const mask = pairMask([a1, q0], groups);
    const M = MASKED_LOGIT;
    expect(Array.from(mask)).toEqual([0, 0, 0, M, 0, M, 0, 0]);
  });
});

class CountingEmbedder implements Embedder {
  readonly name = "counting";
  encoded = 0;
  constructor(
    readonly dim: number,
    private readonly version: number,
  ) {}
  async encodeQueries(): Promise<Float32Array[]> {
    throw new Error("documents only");
  }
  async encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    this.encoded += docs.length;
    return docs.map((d) =>
      normalize(
        Float32Array.from({ length: this.dim }, (_, k) => (d.text.charCodeAt(0) % (k + 2)) + this.version),
      ),
    );
  }
  describe() {
    const side = { fixture: "counting", version: this.version };
    return { query: side, document: side };
  }
}

describe("document-embedding cache", () => {
  it("encodes each text once, survives a torn record, and keys by encoder identity", async () => {
    const cacheRoot = join(root, "cache");
    const texts = ["甲", "乙", "丙", "丁", "甲"];
    const e = new CountingEmbedder(4, 0);
    const first = await embedDocuments(e, texts, cacheRoot, { batchSize: 2 });
    expect(first).toMatchObject({ cached: 0, encoded: 4 });
    expect(first.vectors[4]).toEqual(first.vectors[0]);

    // A kill in the middle of an append leaves part of a record: the next open drops just that record.
    const file = join(first.cacheDir, "vectors.bin");
    truncateSync(file, statSync(file).size - 5);
    const again = await embedDocuments(e, texts, cacheRoot);
    expect(again).toMatchObject({ cached: 4, encoded: 1 });
    expect(again.vectors).toEqual(first.vectors);
    expect(e.encoded).toBe(5);

    const retrained = new CountingEmbedder(4, 1);
    const other = await embedDocuments(retrained, texts, cacheRoot);
    expect(other.encoded).toBe(4);
    expect(other.cacheDir).not.toBe(first.cacheDir);
    expect(() => DocEmbeddingCache.open(cacheRoot, retrained.describe().document, 8)).toThrow(
      /4-wide vectors/,
    );
  });
});
