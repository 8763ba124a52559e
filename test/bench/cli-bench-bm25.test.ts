import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultFile } from "../../src/bench/result.js";
import { care } from "../helpers/care.js";
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
    await care("bench", "--model", "bm25", "--tasks", suite, "--out", out, "--save-run");
    // A lexical model has no weights: MTEB's "no_revision_available" stands for its revision.
    const dir = join(out, "bm25", "no_revision_available");
    for (const task of ["toy-retrieval", "toy-reranking"]) {
      const r = JSON.parse(readFileSync(join(dir, `${task}.json`), "utf8")) as ResultFile;
      expect(r.care.model).toMatchObject({ spec: "bm25", identity: null, encoding: null });
      const scores = r.scores.dev[0] as Record<string, number>;
      const ref = trecEvalReference(join(dir, `${task}.qrels`), join(dir, `${task}.run`));
      expect(ref.queries).toBe(r.care.task.queries);
      expect(Math.abs(ref.ndcg_cut_10 - scores.ndcg_at_10)).toBeLessThan(1e-6);
      expect(Math.abs(ref.map_cut_1000 - scores.map_at_1000)).toBeLessThan(1e-6);
      expect(Math.abs(ref.recall_100 - scores.recall_at_100)).toBeLessThan(1e-6);
      // The toy judgments mark exactly the documents sharing a query word, which BM25 finds.
      if (task === "toy-retrieval") expect(scores.recall_at_100).toBeCloseTo(1, 12);
    }
    const sts = JSON.parse(readFileSync(join(dir, "toy-sts.json"), "utf8")) as ResultFile;
    expect(sts.scores.dev[0].cosine_spearman).toBeGreaterThan(0.5);
  });
});
