import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/store/build.js";
import type { Quantization } from "../../src/store/manifest.js";
import { EmbeddedStore } from "../../src/store/embedded.js";
import { recallAtK } from "../../src/store/recall.js";
import { FixtureTableEmbedder, latentVectors } from "./fixture-embedders.js";

const root = mkdtempSync(join(tmpdir(), "care-recall-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("recallAtK", () => {
  it("is the share of the exact top k found, averaged over queries", () => {
    const exact = [
      ["a", "b", "c"],
      ["x", "y", "z"],
    ];
    expect(
      recallAtK(
        [
          ["c", "a", "q"],
          ["x", "y", "z"],
        ],
        exact,
        3,
      ),
    ).toBeCloseTo((2 / 3 + 1) / 2);
    expect(recallAtK([["a"], ["y"]], exact, 1)).toBeCloseTo(0.5);
  });
});

describe("HNSW recall against exact search on random vectors", () => {
  const N = 4000;
  const DIM = 256;
  const docs = latentVectors(N, DIM, 16, 1, 2);
  const queries = latentVectors(100, DIM, 16, 1, 3);
  const corpus = join(root, "corpus.jsonl");
  writeFileSync(corpus, docs.map((_, i) => JSON.stringify({ _id: `r${i}`, text: "" })).join("\n"));
  const encoder = new FixtureTableEmbedder(DIM, new Map(docs.map((v, i) => [`r${i}`, v])));

  async function recall(quantization: Quantization, rescore?: number): Promise<number> {
    const out = join(root, quantization);
    await buildIndex({ corpus, out, encoders: [encoder], batchSize: 500, quantization, progress: false });
    const exact = EmbeddedStore.open(out, { mode: "exact" });
    const ann = EmbeddedStore.open(out, { mode: "ann", rescore });
    const ids = async (s: EmbeddedStore, q: Float32Array) => (await s.search(q, 10)).map((h) => h.id);
    const truth = await Promise.all(queries.map((q) => ids(exact, q)));
    const found = await Promise.all(queries.map((q) => ids(ann, q)));
    await exact.close();
    await ann.close();
    return recallAtK(found, truth, 10);
  }

  it("f32 graph: recall@10 ≥ 0.95", async () => {
    expect(await recall("f32")).toBeGreaterThanOrEqual(0.95);
  });

  it("int8 graph with float rescoring: recall@10 ≥ 0.95, and rescoring is what gets it there", async () => {
    const rescored = await recall("i8", 4);
    const raw = await recall("i8", 1);
    expect(rescored).toBeGreaterThanOrEqual(0.95);
    expect(rescored).toBeGreaterThan(raw);
  });
});
