import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main, reportError } from "../../src/cli/main.js";
import type { TaskResult } from "../../src/bench/result.js";
import { writeToySuite } from "./helpers/toy-suite.js";
import { trecEvalReference } from "./helpers/trec-eval-reference.js";

// `care bench --model toy` gets a small deterministic dense model: each character hashed into 16
// dimensions, normalised. Identical texts give identical vectors, so score ties are exact.
vi.mock("../../src/bench/load-model.js", async () => {
  const { denseModel } = await import("../../src/bench/dense-model.js");
  const { normalize } = await import("../../src/util/vector.js");
  const { docText } = await import("../../src/core/doc.js");
  const embed = (text: string) => {
    const v = new Float32Array(16);
    for (const ch of text) v[(ch.codePointAt(0)! * 2654435761) % 16] += 1;
    return normalize(v);
  };
  return {
    loadBenchModel: async (spec: string, options: { batchSize?: number }) =>
      denseModel(
        {
          name: `toy:${spec}`,
          dim: 16,
          encodeQueries: async (texts: string[]) => texts.map(embed),
          encodeCorpus: async (docs: { id: string; text: string; title?: string }[]) =>
            docs.map((d) => embed(docText(d))),
        },
        { batchSize: options.batchSize ?? 7 },
      ),
  };
});

const root = mkdtempSync(join(tmpdir(), "care-cli-bench-"));
const out = join(root, "results");
let suite: string;
let stdout: string[];

async function care(...args: string[]): Promise<string> {
  stdout = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  try {
    await main(["node", "care", ...args]);
  } finally {
    spy.mockRestore();
  }
  return stdout.join("");
}

const result = (task: string): TaskResult =>
  JSON.parse(readFileSync(join(out, "toy_hash", `${task}.json`), "utf8")) as TaskResult;

beforeAll(() => {
  process.env.CARE_QUIET = "1";
  suite = writeToySuite(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("care bench (end to end)", () => {
  it("evaluates every task type and writes one result per task", async () => {
    const printed = await care("bench", "--model", "hash", "--tasks", suite, "--out", out, "--save-run");
    for (const task of ["toy-retrieval", "toy-reranking", "toy-sts", "toy-clustering"]) {
      expect(printed).toContain(task);
      const r = result(task);
      expect(r.model).toBe("toy:hash");
      expect(r.split).toBe("dev");
      expect(r.main_score).toBe(r.scores[r.main_metric]);
      expect(typeof r.duration_s).toBe("number");
      expect(Number.isNaN(Date.parse(r.evaluated_at))).toBe(false);
    }
    const retrieval = result("toy-retrieval");
    // 14 queries, one with only non-relevant judgments: 13 are evaluated.
    expect(retrieval.n_queries).toBe(13);
    expect(retrieval.n_docs).toBe(60);
    expect(Object.keys(retrieval.scores)).toHaveLength(35);
    expect(result("toy-reranking").main_metric).toBe("map_at_1000");
    expect(result("toy-reranking").scores.mrr_at_10).toBeGreaterThan(0);
    expect(result("toy-sts").scores.cosine_spearman).toBeGreaterThan(0.3);
    // Each label's texts repeat one word, so the clusters are trivially separable.
    expect(result("toy-clustering").scores.v_measure).toBeGreaterThan(0.5);
  });

  it("saves TREC files from which trec_eval's definitions give the reported figures", () => {
    for (const task of ["toy-retrieval", "toy-reranking"]) {
      const r = result(task);
      const ref = trecEvalReference(
        join(out, "toy_hash", `${task}.qrels`),
        join(out, "toy_hash", `${task}.run`),
      );
      expect(ref.queries).toBe(r.n_queries);
      expect(Math.abs(ref.ndcg_cut_10 - r.scores.ndcg_at_10!)).toBeLessThan(1e-6);
      expect(Math.abs(ref.map_cut_1000 - r.scores.map_at_1000!)).toBeLessThan(1e-6);
      expect(Math.abs(ref.recall_100 - r.scores.recall_at_100!)).toBeLessThan(1e-6);
    }
    const lines = readFileSync(join(out, "toy_hash", "toy-reranking.run"), "utf8")
      .trim()
      .split("\n");
    // Reranking saves every candidate: a third of the corpus for each of the 13 evaluated queries.
    expect(lines.length).toBeGreaterThan(13 * 19);
    expect(lines[0]).toMatch(/^q\d+ Q0 d\d+ 1 \S+ toy_hash$/);
  });

  it("resumes: a task with a result is kept unless --overwrite", async () => {
    const file = join(out, "toy_hash", "toy-sts.json");
    const before = readFileSync(file, "utf8");
    const mtime = statSync(file).mtimeMs;
    const printed = await care("bench", "--model", "hash", "--tasks", suite, "--out", out, "--save-run");
    expect(printed.match(/\(kept\)/g)).toHaveLength(4);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(statSync(file).mtimeMs).toBe(mtime);
    const again = await care(
      "bench",
      "--model",
      "hash",
      "--tasks",
      join(suite, "toy-sts"),
      "--out",
      out,
      "--overwrite",
    );
    expect(again).not.toContain("(kept)");
    expect(JSON.parse(readFileSync(file, "utf8")).scores).toEqual(JSON.parse(before).scores);
  });

  it("care report writes a markdown leaderboard and an HTML page with an SVG chart", async () => {
    const printed = await care("report", out, "--out", join(root, "report"));
    expect(printed).toContain("1 models × 4 tasks");
    const md = readFileSync(join(root, "report", "leaderboard.md"), "utf8");
    const sts = (100 * result("toy-sts").main_score!).toFixed(2);
    expect(md).toMatch(new RegExp(`\\| toy:hash \\| .*${sts}`));
    const html = readFileSync(join(root, "report", "leaderboard.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html.match(/<rect x=/g)!.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain("toy-clustering");
  });

  it("turns bad input into a CareError message naming the path", async () => {
    const missing = join(root, "no-such-suite");
    const err = await care("bench", "--model", "hash", "--tasks", missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(reportError(err)).toBe(1);
    expect(String(spy.mock.calls[0][0])).toBe(`care: ${missing}: no such folder\n`);
    spy.mockRestore();
  });
});
