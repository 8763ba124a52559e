import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findTasks, loadTask } from "../../src/tasks/load.js";
import { SkipLog } from "../../src/core/errors.js";

const root = mkdtempSync(join(tmpdir(), "care-load-task-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** Writes a task folder; `files` maps relative paths to contents (objects become task.json). */
function taskDir(files: Record<string, string | object>): string {
  const dir = join(root, `t${counter++}`);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
const retrievalMeta = { name: "r", type: "retrieval", split: "dev", main_score: "ndcg_at_10" };
const corpus = jsonl([
  { _id: "d1", text: "头痛" },
  { _id: "d2", title: "发热", text: "退烧" },
  { _id: 3, text: "numeric id" },
]);
const queries = jsonl([
  { _id: "q1", text: "头痛怎么办" },
  { _id: "q2", text: "发烧" },
]);
const qrels = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\t3\t0\n";

function retrieval(over: Record<string, string | object> = {}) {
  return taskDir({
    "task.json": retrievalMeta,
    "corpus.jsonl": corpus,
    "queries.jsonl": queries,
    "qrels/dev.tsv": qrels,
    ...over,
  });
}

describe("loadTask: retrieval and reranking", () => {
  it("loads a well-formed task", async () => {
    const task = await loadTask(retrieval());
    if (!("data" in task)) throw new Error("expected a ranking task");
    expect(task.data.corpus).toEqual([
      { id: "d1", text: "头痛" },
      { id: "d2", title: "发热", text: "退烧" },
      { id: "3", text: "numeric id" },
    ]);
    expect(task.data.qrels.get("q2")).toEqual(
      new Map([
        ["d2", 2],
        ["3", 0],
      ]),
    );
  });

  it("names the file and line of a malformed JSON line", async () => {
    const dir = retrieval({ "corpus.jsonl": corpus + "{not json\n" });
    await expect(loadTask(dir)).rejects.toThrow(`${join(dir, "corpus.jsonl")}:4: malformed JSON`);
  });

  it("names the file and line of a missing field", async () => {
    const dir = retrieval({ "queries.jsonl": queries + jsonl([{ _id: "q3" }]) });
    await expect(loadTask(dir)).rejects.toThrow(
      `${join(dir, "queries.jsonl")}:3: field "text" must be a string`,
    );
  });

  it("rejects a duplicate id, naming both lines", async () => {
    const dir = retrieval({ "corpus.jsonl": corpus + jsonl([{ _id: "d2", text: "again" }]) });
    await expect(loadTask(dir)).rejects.toThrow(
      `${join(dir, "corpus.jsonl")}:4: duplicate "_id" "d2" (first on line 2)`,
    );
  });

  it("reports missing files and an unknown type", async () => {
    const noQrels = taskDir({ "task.json": retrievalMeta, "corpus.jsonl": corpus, "queries.jsonl": queries });
    await expect(loadTask(noQrels)).rejects.toThrow(`${join(noQrels, "qrels", "dev.tsv")}: file not found`);
    const noMeta = taskDir({ "corpus.jsonl": corpus });
    await expect(loadTask(noMeta)).rejects.toThrow(`${join(noMeta, "task.json")}: task.json not found`);
    const badType = taskDir({ "task.json": { ...retrievalMeta, type: "classification" } });
    await expect(loadTask(badType)).rejects.toThrow(
      /type: must be one of retrieval, reranking, sts, clustering/,
    );
    const badMain = taskDir({ "task.json": { ...retrievalMeta, main_score: "ndcg@10" } });
    await expect(loadTask(badMain)).rejects.toThrow(/main_score: must be one of the retrieval scores/);
  });

  it("skips and counts judgments naming unknown ids and repeated judgments", async () => {
    const dir = retrieval({ "qrels/dev.tsv": qrels + "q9\td1\t1\nq1\td9\t1\nq1\td1\t1\n" });
    const skips = new SkipLog();
    const task = await loadTask(dir, { skips });
    expect(skips.entries.map((e) => `${e.line}: ${e.reason}`)).toEqual([
      '5: unknown query id "q9"',
      '6: unknown corpus id "d9"',
      "7: repeats the judgment on line 2",
    ]);
    if (!("data" in task)) throw new Error("expected a ranking task");
    expect(task.data.qrels.get("q1")).toEqual(new Map([["d1", 1]]));
  });

  it("rejects conflicting judgments, non-integer scores and wrong column counts", async () => {
    const f = (q: string) => join(retrieval({ "qrels/dev.tsv": q }), "qrels", "dev.tsv");
    let file = f(qrels + "q1\td1\t2\n");
    await expect(loadTask(join(file, "..", ".."))).rejects.toThrow(
      `${file}:5: query "q1", document "d1" judged 1 on line 2 and 2 here`,
    );
    file = f(qrels + "q1\td2\t0.5\n");
    await expect(loadTask(join(file, "..", ".."))).rejects.toThrow(`${file}:5: score must be an integer`);
    file = f(qrels + "q1 d2 1\n");
    await expect(loadTask(join(file, "..", ".."))).rejects.toThrow(
      `${file}:5: expected 3 tab-separated columns`,
    );
  });

  it("rejects empty tasks and tasks where nothing known is relevant", async () => {
    const empty = retrieval({ "corpus.jsonl": "\n" });
    await expect(loadTask(empty)).rejects.toThrow(
      `${join(empty, "corpus.jsonl")}: no rows: the task is empty`,
    );
    const headerOnly = retrieval({ "qrels/dev.tsv": "query-id\tcorpus-id\tscore\n" });
    await expect(loadTask(headerOnly)).rejects.toThrow(/dev.tsv: no rows/);
    const noneRelevant = retrieval({ "qrels/dev.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t0\nq7\td1\t1\n" });
    await expect(loadTask(noneRelevant, { skips: new SkipLog() })).rejects.toThrow(
      /dev.tsv: no known query has a known document judged relevant/,
    );
  });

  it("reranking: candidates must name known documents, once each", async () => {
    const rerank = (cands: object[]) =>
      retrieval({ "task.json": { ...retrievalMeta, type: "reranking" }, "candidates.jsonl": jsonl(cands) });
    let dir = rerank([{ "query-id": "q1", "corpus-ids": ["d1", "d7"] }]);
    await expect(loadTask(dir)).rejects.toThrow(
      `${join(dir, "candidates.jsonl")}:1: unknown corpus id "d7" in "corpus-ids"`,
    );
    dir = rerank([{ "query-id": "q1", "corpus-ids": ["d1", "d2", "d1"] }]);
    await expect(loadTask(dir)).rejects.toThrow(
      `${join(dir, "candidates.jsonl")}:1: corpus id "d1" listed twice`,
    );
    dir = rerank([
      { "query-id": "q1", "corpus-ids": ["d1"] },
      { "query-id": "q1", "corpus-ids": ["d2"] },
    ]);
    await expect(loadTask(dir)).rejects.toThrow(`${join(dir, "candidates.jsonl")}:2: second candidate list`);
  });

  it("reranking: a judged query without candidates is skipped and counted", async () => {
    const dir = retrieval({
      "task.json": { ...retrievalMeta, type: "reranking", main_score: "map_at_1000" },
      "candidates.jsonl": jsonl([{ "query-id": "q1", "corpus-ids": ["d1", "d2", 3] }]),
    });
    const skips = new SkipLog();
    const task = await loadTask(dir, { skips });
    expect(skips.entries.map((e) => `${e.line}: ${e.reason}`)).toEqual([
      '3: query "q2" is judged but has no candidate list',
    ]);
    if (!("data" in task)) throw new Error("expected a ranking task");
    expect([...task.data.qrels.keys()]).toEqual(["q1"]);
    expect(task.data.candidates?.get("q1")).toEqual(["d1", "d2", "3"]);
  });
});

describe("loadTask: sts and clustering", () => {
  const stsMeta = { name: "s", type: "sts", split: "dev", min_score: 0, max_score: 2 };

  it("loads pairs and defaults the main score", async () => {
    const dir = taskDir({
      "task.json": stsMeta,
      "pairs.jsonl": jsonl([
        { sentence1: "a", sentence2: "b", score: 2 },
        { sentence1: "c", sentence2: "d", score: "1" },
      ]),
    });
    const task = await loadTask(dir);
    expect(task.meta.main_score).toBe("cosine_spearman");
    if (!("pairs" in task)) throw new Error("expected an sts task");
    expect(task.pairs[1].score).toBe(1);
  });

  it("rejects scores outside the declared range and a missing range", async () => {
    const dir = taskDir({
      "task.json": stsMeta,
      "pairs.jsonl": jsonl([{ sentence1: "a", sentence2: "b", score: 3 }]),
    });
    await expect(loadTask(dir)).rejects.toThrow(`${join(dir, "pairs.jsonl")}:1: score 3 lies outside [0, 2]`);
    const noRange = taskDir({ "task.json": { name: "s", type: "sts" } });
    await expect(loadTask(noRange)).rejects.toThrow(/min_score: is required/);
  });

  it("clustering needs two labels", async () => {
    const dir = taskDir({
      "task.json": { name: "c", type: "clustering" },
      "items.jsonl": jsonl([
        { text: "a", label: "x" },
        { text: "b", label: "x" },
      ]),
    });
    await expect(loadTask(dir)).rejects.toThrow(/items.jsonl: clustering needs at least two distinct labels/);
    const bad = taskDir({
      "task.json": { name: "c", type: "clustering" },
      "items.jsonl": jsonl([{ text: "a" }]),
    });
    await expect(loadTask(bad)).rejects.toThrow(
      `${join(bad, "items.jsonl")}:1: field "label" must be a string`,
    );
  });
});

describe("findTasks", () => {
  it("expands folders of task folders recursively, in name order, and keeps direct task folders", () => {
    const suite = join(root, "suite");
    for (const name of ["b-task", "a-task", "group/c-task"]) {
      mkdirSync(join(suite, name), { recursive: true });
      writeFileSync(join(suite, name, "task.json"), "{}");
    }
    mkdirSync(join(suite, "empty"), { recursive: true });
    expect(findTasks(suite)).toEqual([
      join(suite, "a-task"),
      join(suite, "b-task"),
      join(suite, "group", "c-task"),
    ]);
    expect(findTasks(`${join(suite, "b-task")}, ${suite}`)).toEqual([
      join(suite, "b-task"),
      join(suite, "a-task"),
      join(suite, "group", "c-task"),
    ]);
  });

  it("names a missing folder or one without tasks", () => {
    expect(() => findTasks(join(root, "nope"))).toThrow(`${join(root, "nope")}: no such folder`);
    mkdirSync(join(root, "blank"), { recursive: true });
    expect(() => findTasks(join(root, "blank"))).toThrow(/no task folder/);
  });
});
