import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTask } from "../../src/tasks/load.js";
import { writeRankingTask } from "../../src/tasks/write.js";
import { fleissKappaFromRatings } from "../../src/curate/agreement.js";
import type { ExpertAgreement } from "../../src/curate/expert-agreement.js";
import { loadPairs, type Pair } from "../../src/curate/pair.js";
import type { StatsFile } from "../../src/curate/report.js";
import { ReviewLabels } from "../../src/curate/review-labels.js";
import { createBm25Model } from "../../src/lexical/bm25.js";
import { chatAnswer, MockChatServer } from "./mock-chat-server.js";
import { care } from "../helpers/care.js";

const TOPICS = ["头痛", "发烧", "糖尿病", "高血压"];
const topic = (text: string) => TOPICS.find((t) => text.includes(t));

const QUERIES = [
  { id: "q1", text: "经常头痛怎么办？" },
  { id: "q2", text: "发烧吃什么药？" },
  { id: "q3", text: "糖尿病饮食要注意什么？" },
];
const CORPUS = [
  { id: "d1", text: "头痛可能与睡眠不足、压力大有关，建议规律作息，必要时服用止痛药。" },
  { id: "d2", text: "偏头痛发作时应在安静黑暗的环境中休息，头痛严重请就医。" },
  { id: "d3", text: "发烧超过38.5度可以服用布洛芬退烧。" },
  { id: "d4", text: "儿童发烧要注意多喝水，物理降温。" },
  { id: "d5", text: "糖尿病患者应控制碳水化合物摄入，少吃甜食。" },
  { id: "d6", text: "高血压患者饮食应低盐，注意什么都不能过量。" },
  { id: "d7", text: "糖尿病患者可以适量吃水果，饮食上要选择低糖水果。" },
  { id: "d8", text: "感冒咳嗽多喝温水，注意休息。" },
];

describe("care curate, end to end on a small task", () => {
  const dir = mkdtempSync(join(tmpdir(), "care-pipeline-"));
  const taskDir = join(dir, "tasks", "mini-qa");
  const p = (...parts: string[]) => join(dir, ...parts);
  let server: MockChatServer;
  let pairs: Pair[];

  beforeAll(async () => {
    process.env.CARE_QUIET = "1";
    writeRankingTask(
      taskDir,
      {
        name: "mini-qa",
        type: "retrieval",
        split: "test",
        main_score: "ndcg_at_10",
        query_instruction: "检索答案",
      },
      {
        corpus: CORPUS,
        queries: QUERIES,
        qrels: new Map([
          ["q1", new Map([["d1", 1]])],
          ["q2", new Map([["d3", 1]])],
          ["q3", new Map([["d5", 1]])],
        ]),
      },
    );
    // Judges A and B score 5 on a shared topic, 1 otherwise; C agrees except that it hedges (3) on d4.
    server = await MockChatServer.start((r) => {
      const same = topic(r.query) !== undefined && topic(r.query) === topic(r.doc);
      let score = same ? 5 : 1;
      if (r.model === "C" && r.doc.includes("儿童发烧")) score = 3;
      return chatAnswer(JSON.stringify({ score, reason: same ? "同一主题" : "主题不同" }));
    });
    const judge = (name: string) => ({ name, type: "openai", base_url: server.url, model: name, rpm: 6000 });
    writeFileSync(p("judges.json"), JSON.stringify({ judges: [judge("A"), judge("B"), judge("C")] }));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pools each retriever's top k plus every labelled positive", async () => {
    const out = await care(
      "curate",
      "pool",
      "--tasks",
      p("tasks"),
      "--retrievers",
      "bm25",
      "--top-k",
      "3",
      "--out",
      p("pairs.jsonl"),
    );
    pairs = await loadPairs(p("pairs.jsonl"));
    const hits = await createBm25Model().retrieve(QUERIES, CORPUS, 3, { name: "mini-qa", type: "retrieval" });
    const labelled: Record<string, string> = { q1: "d1", q2: "d3", q3: "d5" };
    for (const [qi, q] of QUERIES.entries()) {
      const expected = [...new Set([...hits[qi].map((h) => h.id), labelled[q.id]])];
      const mine = pairs.filter((x) => x.query_id === q.id);
      expect(mine.map((x) => x.doc_id)).toEqual(expected);
      for (const x of mine) {
        expect(x.labelled).toBe(x.doc_id === labelled[q.id]);
        expect(x.sources).toEqual([
          ...(hits[qi].some((h) => h.id === x.doc_id) ? ["bm25"] : []),
          ...(x.doc_id === labelled[q.id] ? ["qrels"] : []),
        ]);
      }
    }
    // The pool must hold the unlabelled same-topic documents for the audit below to mean anything.
    expect(pairs.some((x) => x.query_id === "q1" && x.doc_id === "d2")).toBe(true);
    expect(pairs.some((x) => x.query_id === "q3" && x.doc_id === "d7")).toBe(true);
    expect(out).toMatch(new RegExp(`${pairs.length} pairs written`));
  });

  it("judges, votes into a task folder the harness loads, and audits false negatives", async () => {
    const judged = await care(
      "curate",
      "judge",
      "--pairs",
      p("pairs.jsonl"),
      "--judges",
      p("judges.json"),
      "--out",
      p("store"),
    );
    expect(judged).toMatch(new RegExp(`C: ${pairs.length} scored, 0 failed`));
    expect(server.requests).toHaveLength(3 * pairs.length);

    // Under --json the result is the only thing on stdout: each task's line goes to stderr.
    const aggregated = JSON.parse(
      await care(
        "curate",
        "aggregate",
        "--pairs",
        p("pairs.jsonl"),
        "--judgments",
        p("store"),
        "--tasks",
        p("tasks"),
        "--out",
        p("curated"),
        "--json",
      ),
    ) as { out: string; tasks: { task: string; type: string; dir: string; positives: number }[] };
    expect(aggregated.out).toBe(p("curated"));
    expect(aggregated.tasks).toMatchObject([
      { task: "mini-qa", type: "retrieval", dir: p("curated", "mini-qa-curated") },
    ]);
    const task = await loadTask(p("curated", "mini-qa-curated"));
    if (!("data" in task)) throw new Error("expected a ranking task");
    expect(task.meta.query_instruction).toBe("检索答案");
    expect(task.data.corpus).toHaveLength(CORPUS.length);
    const sameTopic = pairs.filter((x) => topic(x.query) === topic(x.doc) && x.doc_id !== "d4");
    expect(aggregated.tasks[0].positives).toBe(sameTopic.length);
    const qrels = [...task.data.qrels].flatMap(([q, docs]) => [...docs].map(([d, g]) => `${q}/${d}/${g}`));
    expect(qrels.sort()).toEqual(sameTopic.map((x) => `${x.query_id}/${x.doc_id}/2`).sort());

    const printed = JSON.parse(
      await care(
        "curate",
        "stats",
        "--pairs",
        p("pairs.jsonl"),
        "--judgments",
        p("store"),
        "--out",
        p("stats.json"),
        "--json",
      ),
    ) as StatsFile & { file: string };
    const stats = JSON.parse(readFileSync(p("stats.json"), "utf8")) as StatsFile;
    expect(printed).toEqual({ ...stats, file: p("stats.json") });
    expect(stats.judges).toEqual(["A", "B", "C"]);
    const audit = stats.false_negative_audit[0];
    const fn = sameTopic.filter((x) => !x.labelled);
    expect(fn.map((x) => x.doc_id)).toEqual(expect.arrayContaining(["d2", "d7"]));
    expect(audit).toMatchObject({
      task: "mini-qa",
      queries: 3,
      unlabelled_relevant_total: fn.length,
      labelled_rejected: 0,
    });
    expect(audit.unlabelled_relevant_per_query.mean).toBeCloseTo(fn.length / 3, 12);
    expect(stats.spend.map((s) => s.input_tokens)).toEqual([100, 100, 100].map((t) => t * pairs.length));
    // The same ratings the mock gives, by its rule, through the kappa function directly.
    const ratings = pairs.map((x) => {
      const s = topic(x.query) === topic(x.doc) ? 5 : 1;
      return [s, s, x.doc.includes("儿童发烧") ? 3 : s];
    });
    expect(stats.fleiss.kappa).toBeCloseTo(fleissKappaFromRatings(ratings, [1, 2, 3, 4, 5]), 12);
  });

  it("samples for expert review, computes agreement, and writes the report", async () => {
    await care(
      "curate",
      "review",
      "--out",
      p("review"),
      "--pairs",
      p("pairs.jsonl"),
      "--judgments",
      p("store"),
      "--sample",
      "4",
      "--export",
    );
    const sample = readFileSync(p("review", "sample.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(sample).toHaveLength(4);
    // An expert who agrees with the pipeline on all but the first pair.
    const labels = ReviewLabels.open(p("review", "labels.jsonl"));
    sample.forEach((it, i) =>
      labels.add("X", it.pair_id, (it.pipeline === "positive") !== (i === 0) ? 5 : 1),
    );
    labels.close();
    const exported = JSON.parse(
      await care("curate", "review", "--out", p("review"), "--export", "--json"),
    ) as { labels: number; csv: string; jsonl: string };
    expect(exported).toEqual({
      labels: 4,
      csv: p("review", "labels-export.csv"),
      jsonl: p("review", "labels-export.jsonl"),
    });
    await care("curate", "agreement", "--review", p("review"));
    const agreement = JSON.parse(readFileSync(p("review", "agreement.json"), "utf8")) as ExpertAgreement;
    expect(agreement).toMatchObject({ reviewers: ["X"], items: 4, comparisons: 4, agreement: 0.75 });

    await care(
      "curate",
      "report",
      "--stats",
      p("stats.json"),
      "--agreement",
      p("review", "agreement.json"),
      "--out",
      p("report"),
    );
    const md = readFileSync(p("report", "report.md"), "utf8");
    expect(md).toContain("pipeline-vs-expert agreement: **75.0%**");
    expect(md).toContain("## False-negative audit");
    expect(existsSync(p("report", "report.html"))).toBe(true);
    expect(readFileSync(p("report", "report.html"), "utf8")).toContain("<svg");
  });

  it("refuses inconsistent thresholds and unknown tasks with a clear error", async () => {
    await expect(
      care(
        "curate",
        "stats",
        "--pairs",
        p("pairs.jsonl"),
        "--judgments",
        p("store"),
        "--out",
        p("x.json"),
        "--positive-min",
        "2",
        "--negative-max",
        "3",
      ),
    ).rejects.toThrow(/--negative-max \(3\) must be below --positive-min \(2\)/);
    await expect(
      care("curate", "stats", "--pairs", p("pairs.jsonl"), "--judgments", p("nowhere"), "--out", p("x.json")),
    ).rejects.toThrow(/no judgment store here/);
  });
});
