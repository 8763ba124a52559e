import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TaskResult } from "../../src/bench/result.js";
import { main } from "../../src/cli/main.js";
import { writeToySuite } from "./helpers/toy-suite.js";
import { trecEvalReference } from "./helpers/trec-eval-reference.js";

const root = mkdtempSync(join(tmpdir(), "care-cli-bm25-"));
const out = join(root, "results");

beforeAll(() => {
  process.env.CARE_QUIET = "1";
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("care bench --model bm25", () => {
  it("reports figures that trec_eval's definitions reproduce from the saved run", async () => {
    const suite = writeToySuite(root);
    const spy = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await main(["node", "care", "bench", "--model", "bm25", "--tasks", suite, "--out", out, "--save-run"]);
    } finally {
      spy.mockRestore();
    }
    for (const task of ["toy-retrieval", "toy-reranking"]) {
      const r = JSON.parse(readFileSync(join(out, "bm25", `${task}.json`), "utf8")) as TaskResult;
      expect(r.model).toBe("bm25");
      const ref = trecEvalReference(join(out, "bm25", `${task}.qrels`), join(out, "bm25", `${task}.run`));
      expect(ref.queries).toBe(r.n_queries);
      expect(Math.abs(ref.ndcg_cut_10 - r.scores.ndcg_at_10!)).toBeLessThan(1e-6);
      expect(Math.abs(ref.map_cut_1000 - r.scores.map_at_1000!)).toBeLessThan(1e-6);
      expect(Math.abs(ref.recall_100 - r.scores.recall_at_100!)).toBeLessThan(1e-6);
      // The toy judgments mark exactly the documents sharing a query word, which BM25 finds.
      if (task === "toy-retrieval") expect(r.scores.recall_at_100).toBeCloseTo(1, 12);
    }
    const sts = JSON.parse(readFileSync(join(out, "bm25", "toy-sts.json"), "utf8")) as TaskResult;
    expect(sts.scores.cosine_spearman).toBeGreaterThan(0.5);
  });
});
