import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadBenchModel } from "../../src/bench/load-model.js";
import { Bm25Search } from "../../src/lexical/bm25-search.js";
import { fuseRankings } from "../../src/lexical/fusion.js";
import { makeTiny } from "../../src/models/make-tiny.js";

const root = mkdtempSync(join(tmpdir(), "care-hybrid-spec-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("loadBenchModel with a hybrid spec (what care bench --model hybrid:... runs)", () => {
  it("fuses BM25 with the dense model the spec names", async () => {
    const bert = join(root, "bert");
    makeTiny({ out: bert, family: "bert", seed: 1 });
    const corpus = [
      { id: "d1", text: "糖尿病患者可以少量吃西瓜" },
      { id: "d2", text: "高血压患者要低盐饮食" },
      { id: "d3", text: "感冒发烧多喝水" },
      { id: "d4", text: "糖尿病足的护理" },
    ];
    const queries = [{ id: "q", text: "糖尿病能吃西瓜吗" }];
    const hint = { name: "t", type: "retrieval" as const };
    const hybrid = await loadBenchModel(`hybrid(blend=0.5):hf:${bert}`);
    const dense = await loadBenchModel(`hf:${bert}`);
    try {
      expect(hybrid.name).toBe(`hybrid(blend=0.5):hf:${bert}`);
      const [hits] = await hybrid.retrieve(queries, corpus, 4, hint);
      const [byDense] = await dense.retrieve(queries, corpus, 4, hint);
      const byLexical = Bm25Search.build(corpus).search(queries[0].text, 4, false);
      expect(hits).toEqual(fuseRankings(byLexical, byDense, { method: "blend", weight: 0.5 }));
      expect(byLexical.length).toBeLessThan(4);
      expect(hits).toHaveLength(4);
    } finally {
      await hybrid.close?.();
      await dense.close?.();
    }
  });
});
