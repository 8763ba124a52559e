import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBm25Model } from "../../src/lexical/bm25.js";
import { runBench } from "../../src/bench/run.js";
import { collectResults } from "../../src/bench/report/collect.js";
import { buildLeaderboard, formatScore } from "../../src/bench/report/leaderboard.js";
import { leaderboardMarkdown } from "../../src/bench/report/markdown.js";
import { leaderboardHtml } from "../../src/bench/report/html.js";
import { readResult, type ResultFile } from "../../src/bench/result.js";
import { MTEB_TASKS } from "../../src/bench/mteb-tasks.js";
import { writeToySuite } from "./helpers/toy-suite.js";
import { care } from "../helpers/care.js";

/** Official result files written by hand from MTEB's TaskResult schema (results-repository layout). */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "mteb-results");
const BGE = join(FIXTURES, "BAAI__bge-m3", "5617a9f61b028005a4858fdac845db406aefb181");

const root = mkdtempSync(join(tmpdir(), "care-mteb-results-"));
const ours = join(root, "ours");
let task: string;
let ourFile: string;

beforeAll(async () => {
  process.env.CARE_QUIET = "1";
  const suite = writeToySuite(root);
  // A task folder under a C-MTEB task's name, as a user holding that task's data would have it.
  task = join(root, "tasks", "CmedqaRetrieval");
  cpSync(join(suite, "toy-retrieval"), task, { recursive: true });
  const meta = JSON.parse(readFileSync(join(task, "task.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(task, "task.json"), JSON.stringify({ ...meta, name: "CmedqaRetrieval" }));
  const [outcome] = await runBench({ model: createBm25Model(), tasks: [task], out: ours, saveRun: true });
  ourFile = outcome.file;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a JSON file (or raw text) under the temporary root and returns its path. */
function put(path: string, content: unknown): string {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

const mtebFile = (taskName: string, split: string, scores: Record<string, number>) => ({
  dataset_revision: "r1",
  task_name: taskName,
  mteb_version: "2.1.0",
  scores: { [split]: [{ ...scores, hf_subset: "default", languages: ["cmn-Hans"] }] },
  evaluation_time: 1,
  kg_co2_emissions: null,
});

describe("one reader for MTEB's result files and care's", () => {
  it("reads an official MTEB file: model and revision from model_meta.json, metrics by MTEB's names", () => {
    const r = readResult(join(BGE, "CmedqaRetrieval.json"), MTEB_TASKS)!;
    expect(r).toMatchObject({
      source: "mteb",
      model: "BAAI/bge-m3",
      revision: "5617a9f61b028005a4858fdac845db406aefb181",
      task: "CmedqaRetrieval",
      type: "retrieval",
      split: "dev",
      mainMetric: "ndcg_at_10",
      datasetRevision: "cd540c506dae1cf9e9a59c3e06f42030d54e7301",
      mtebVersion: "2.1.0",
      taskHash: null,
    });
    expect(r.scores.ndcg_at_10).toBe(0.4105);
    expect(r.scores.main_score).toBe(0.4105);
  });

  it("reads MTEB < 1.11 files (mteb_dataset_name, split objects, STS under cos_sim) by the same names", () => {
    const file = put("old/org__m/no_revision_available/ATEC.json", {
      dataset_revision: "0f319b1142f28d00e055a6770f3f726ae9b7d865",
      mteb_dataset_name: "ATEC",
      mteb_version: "1.0.3.dev0",
      test: {
        cos_sim: { pearson: 0.4531, spearman: 0.4687 },
        euclidean: { pearson: 0.4491, spearman: 0.4602 },
        evaluation_time: 45.1,
      },
    });
    const r = readResult(file, MTEB_TASKS)!;
    expect(r).toMatchObject({
      source: "mteb",
      model: "org/m",
      revision: "no_revision_available",
      split: "test",
    });
    expect(r.scores).toMatchObject({
      cosine_spearman: 0.4687,
      cosine_pearson: 0.4531,
      euclidean_spearman: 0.4602,
    });
    expect(buildLeaderboard([r]).rows[0].scores.get("ATEC")).toBe(0.4687);
  });

  it("reads care's own output through the same function, with its provenance", () => {
    const r = readResult(ourFile, new Map())!;
    expect(r).toMatchObject({
      source: "care",
      model: "bm25",
      revision: "no_revision_available",
      split: "dev",
    });
    const file = JSON.parse(readFileSync(ourFile, "utf8")) as ResultFile;
    expect(r.taskHash).toBe(file.care.task.fingerprint.hash);
    // Without a dataset_revision in task.json, the file's is the content hash and the record has none.
    expect(file.dataset_revision).toBe(r.taskHash);
    expect(r.datasetRevision).toBeNull();
    expect(r.scores.ndcg_at_10).toBe(file.scores.dev[0].main_score);
  });

  it("builds one leaderboard over shared tasks: the mean only over tasks every model has", () => {
    const { records, notices } = collectResults([FIXTURES, ours]);
    expect(notices).toEqual([]);
    const board = buildLeaderboard(records);
    expect(board.tasks.map((t) => `${t.name}:${t.metric}`)).toEqual([
      "CmedqaRetrieval:ndcg_at_10",
      "CMedQAv2-reranking:map_at_1000",
    ]);
    // bm25 was not run on the reranking task; m3e-base's file holds MTEB < 2's "map", another metric.
    expect(board.common).toEqual(["CmedqaRetrieval"]);
    const row = (m: string) => board.rows.find((r) => r.model === m)!;
    expect(row("BAAI/bge-m3").mean).toBe(0.4105);
    expect(row("moka-ai/m3e-base").mean).toBe(0.3067);
    expect(row("bm25").mean).toBe(readResult(ourFile, new Map())!.scores.ndcg_at_10);
    expect(row("BAAI/bge-m3").scores.get("CMedQAv2-reranking")).toBe(0.7922);
    expect(row("bm25").missing).toEqual([{ task: "CMedQAv2-reranking", reason: "not evaluated" }]);
    expect(row("moka-ai/m3e-base").missing[0].reason).toMatch(/has "map", MTEB < 2's reranking MAP/);

    // Markdown and HTML come from the same board: every cell's figure appears in both.
    const md = leaderboardMarkdown(board);
    const html = leaderboardHtml(board);
    for (const r of board.rows)
      for (const v of [...r.scores.values(), r.mean]) {
        expect(md).toContain(formatScore(v));
        expect(html).toContain(formatScore(v));
      }
    // care's toy task under a C-MTEB name is not MTEB's data, and nothing in its folder says it is.
    expect(board.unverified).toHaveLength(1);
    expect(board.unverified[0]).toMatch(
      /^CmedqaRetrieval: care's results on task data [0-9a-f]{12}… \(its task.json declares no dataset_revision\)/,
    );
    expect(md).toContain("## Unverified columns");
    expect(md).toContain("## Missing");
    expect(md).toMatch(/\| bm25 \| CmedqaRetrieval \| care \| [0-9a-f]{12} \|/);
    expect(html).toContain("<svg");
    expect(html).toContain("Provenance");
  });

  it("checks a task folder's declared dataset_revision against MTEB's files of the task", async () => {
    const declare = async (revision: string, out: string) => {
      const dir = join(root, `tasks-${revision}`, "CmedqaRetrieval");
      cpSync(task, dir, { recursive: true });
      const meta = JSON.parse(readFileSync(join(dir, "task.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(dir, "task.json"), JSON.stringify({ ...meta, dataset_revision: revision }));
      const [o] = await runBench({ model: createBm25Model(), tasks: [dir], out: join(root, out) });
      return o.file;
    };
    const same = await declare("cd540c506dae1cf9e9a59c3e06f42030d54e7301", "declared");
    expect((JSON.parse(readFileSync(same, "utf8")) as ResultFile).dataset_revision).toBe(
      "cd540c506dae1cf9e9a59c3e06f42030d54e7301",
    );
    expect(buildLeaderboard(collectResults([FIXTURES, join(root, "declared")]).records).unverified).toEqual(
      [],
    );
    const other = await declare("0000000", "declared-other");
    expect(() => buildLeaderboard(collectResults([FIXTURES, join(root, "declared-other")]).records)).toThrow(
      new RegExp(
        `CmedqaRetrieval was scored on different dataset revisions in .*CmedqaRetrieval\\.json and ${other}`,
      ),
    );
  });

  it("reads care's old layout (<out>/<model>/<task>.json) with a notice", () => {
    put("legacy/bm25/CmedqaRetrieval.json", {
      task: "CmedqaRetrieval",
      model: "bm25",
      split: "dev",
      type: "retrieval",
      main_metric: "ndcg_at_10",
      scores: { ndcg_at_10: 0.5 },
      main_score: 0.5,
      n_queries: 1,
      n_docs: 1,
      duration_s: 1,
      evaluated_at: "2026-01-01T00:00:00.000Z",
    });
    const { records, notices } = collectResults([join(root, "legacy")]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ source: "care-legacy", model: "bm25", task: "CmedqaRetrieval" });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/old layout/);
  });
});

describe("bad or foreign result files are refused, naming the file", () => {
  it("an unknown task name (or passed over with skipUnknown)", () => {
    const file = put(
      "unknown/org__m/rev/NoSuchTask.json",
      mtebFile("NoSuchTask", "test", { main_score: 0.1 }),
    );
    expect(() => collectResults([join(root, "unknown")])).toThrow(
      new RegExp(`${file}: unknown task "NoSuchTask"`),
    );
    put("unknown/org__m/rev/ATEC.json", mtebFile("ATEC", "test", { cosine_spearman: 0.4, main_score: 0.4 }));
    const { records, notices } = collectResults([join(root, "unknown")], { skipUnknown: true });
    expect(records.map((r) => r.task)).toEqual(["ATEC"]);
    expect(notices).toEqual(["1 result file(s) of tasks care does not know passed over"]);
  });

  it("a missing split", () => {
    const file = put(
      "split/org__m/rev/CmedqaRetrieval.json",
      mtebFile("CmedqaRetrieval", "test", { main_score: 0.3 }),
    );
    expect(() => collectResults([join(root, "split")])).toThrow(
      new RegExp(`${file}: no scores for split "dev" of CmedqaRetrieval \\(the file has: test\\)`),
    );
  });

  it("a NaN score, as Python's json writes it or as a string", () => {
    const text = JSON.stringify(mtebFile("ATEC", "test", { cosine_spearman: 1 }), null, 2).replace(
      '"cosine_spearman": 1',
      '"cosine_spearman": NaN, "main_score": NaN',
    );
    const file = put("nan/org__m/rev/ATEC.json", text);
    expect(() => collectResults([join(root, "nan")])).toThrow(new RegExp(`${file}: holds a NaN`));
    const str = put("nan2/org__m/rev/ATEC.json", { ...mtebFile("ATEC", "test", { main_score: 0.2 }) });
    const v = JSON.parse(readFileSync(str, "utf8")) as { scores: { test: Record<string, unknown>[] } };
    v.scores.test[0].cosine_spearman = "NaN";
    writeFileSync(str, JSON.stringify(v));
    expect(() => collectResults([join(root, "nan2")])).toThrow(
      new RegExp(`${str}: score "cosine_spearman".*NaN`),
    );
  });

  it("two results for one task scored on different data", () => {
    // Another model's result on a task folder of the same name whose data differ (another hash).
    const v = JSON.parse(readFileSync(ourFile, "utf8")) as ResultFile;
    v.care.model.spec = "other";
    v.care.task.fingerprint.hash = "f".repeat(64);
    v.dataset_revision = v.care.task.fingerprint.hash;
    const other = put("ours2/other/no_revision_available/CmedqaRetrieval.json", v);
    const { records } = collectResults([ours, join(root, "ours2")]);
    expect(() => buildLeaderboard(records)).toThrow(
      new RegExp(`CmedqaRetrieval was scored on different data in ${ourFile} and ${other}`),
    );
    // MTEB files of different dataset revisions are refused alike.
    put("rev/a__m/r/ATEC.json", mtebFile("ATEC", "test", { main_score: 0.2 }));
    put("rev/b__m/r/ATEC.json", { ...mtebFile("ATEC", "test", { main_score: 0.3 }), dataset_revision: "r2" });
    expect(() => buildLeaderboard(collectResults([join(root, "rev")]).records)).toThrow(
      /ATEC was scored on different dataset revisions in .*a__m.*ATEC\.json and .*b__m.*ATEC\.json \(r1 and r2\)/,
    );
  });

  it("two results of one model on one task", () => {
    const copy = put("twice/CmedqaRetrieval.json", readFileSync(ourFile, "utf8"));
    expect(() => buildLeaderboard(collectResults([ours, join(root, "twice")]).records)).toThrow(
      new RegExp(
        `two results of bm25 \\(revision no_revision_available\\) on CmedqaRetrieval: ${ourFile} and ${copy}`,
      ),
    );
  });
});

describe("care eval-run", () => {
  it("scores a saved TREC run with the very metrics care bench reported", async () => {
    const dir = dirname(ourFile);
    const printed = await care(
      "eval-run",
      join(dir, "CmedqaRetrieval.run"),
      join(dir, "CmedqaRetrieval.qrels"),
      "--json",
    );
    const scores = JSON.parse(printed) as Record<string, number>;
    const reported = readResult(ourFile, new Map())!;
    expect(scores.queries).toBe((JSON.parse(readFileSync(ourFile, "utf8")) as ResultFile).care.task.queries);
    for (const m of ["ndcg_at_10", "map_at_1000", "mrr_at_10", "recall_at_100", "precision_at_1"])
      expect(scores[m]).toBe(reported.scores[m]);
    // The task folder's own qrels TSV gives the same figures.
    const tsv = JSON.parse(
      await care("eval-run", join(dir, "CmedqaRetrieval.run"), join(task, "qrels", "dev.tsv"), "--json"),
    ) as Record<string, number>;
    expect(tsv.ndcg_at_10).toBe(scores.ndcg_at_10);
    const table = await care(
      "eval-run",
      join(dir, "CmedqaRetrieval.run"),
      join(dir, "CmedqaRetrieval.qrels"),
    );
    expect(table).toContain(formatScore(scores.ndcg_at_10));
  });

  it("refuses a run that ranks a document twice, naming file and line", async () => {
    const run = put("bad.run", "q1 Q0 d1 1 2.0 t\nq1 Q0 d1 2 1.0 t\n");
    const qrels = put("bad.qrels", "q1 0 d1 1\n");
    await expect(care("eval-run", run, qrels)).rejects.toThrow(
      new RegExp(`${run}:2: document "d1" ranked twice for query "q1" \\(first on line 1\\)`),
    );
  });
});
