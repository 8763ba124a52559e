import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJudges, type Judge } from "../../src/curate/judge.js";
import { parseJudgeConfigs } from "../../src/curate/judge-config.js";
import { filterNegatives } from "../../src/mine/filter.js";
import type { MinedRow, Stage1Row, Stage2Row } from "../../src/mine/records.js";
import { chatAnswer, MockChatServer } from "../curate/mock-chat-server.js";
import { readJsonlSync, tmp, writeJsonl } from "./helpers.js";

const dir = tmp("filter");
let server: MockChatServer;
let judges: Judge[];

// The mock judges read a marker in the document: 同义 both judges call relevant (a false negative),
// 分歧 only judge A does (unsure), anything else both call irrelevant.
function scoreFor(model: string, doc: string): number {
  if (doc.includes("同义")) return 5;
  if (doc.includes("分歧")) return model === "A" ? 5 : 1;
  return 1;
}

const rows: MinedRow[] = [
  {
    query: "糖尿病能吃西瓜吗",
    pos: ["糖尿病人可以吃西瓜吗"],
    neg: ["高血压吃什么药"],
    type: "symmetric_sts",
    prompt: "检索语义相同的问题",
    candidates: [
      { id: "d1", text: "同义：糖尿病患者吃西瓜行不行", score: 9 },
      { id: "d2", text: "糖尿病的并发症", score: 8 },
      { id: "d3", text: "分歧：西瓜的含糖量", score: 7 },
      { id: "d4", text: "高血压吃什么药", score: 6 },
    ],
  },
  {
    query: "头痛怎么办",
    pos: ["头疼如何缓解"],
    neg: [],
    candidates: [
      { id: "d5", text: "同义：头痛的缓解方法", score: 3 },
      { id: "d6", text: "同义：头痛的缓解方法", score: 2 },
    ],
  },
  {
    query: "失眠的原因",
    pos: ["睡不着是什么原因"],
    neg: [],
    candidates: [{ id: "d7", text: "胃痛吃什么", score: 1 }],
  },
];

beforeAll(async () => {
  server = await MockChatServer.start((r) =>
    chatAnswer(JSON.stringify({ score: scoreFor(r.model, r.doc), reason: "模拟" })),
  );
  const judge = (name: string) => ({
    name,
    type: "openai",
    base_url: server.url,
    model: name,
    concurrency: 3,
    rpm: 60_000,
    max_retries: 1,
    timeout_ms: 5000,
  });
  judges = await openJudges(parseJudgeConfigs([judge("A"), judge("B")], join(dir, "judges.json")));
  writeJsonl(join(dir, "mined.jsonl"), rows);
});
afterAll(async () => {
  await Promise.all(judges.map((j) => j.close()));
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("care mine filter", () => {
  it("promotes what every judge calls relevant, keeps the rest as negatives, writes both stages", async () => {
    const out = join(dir, "promote.jsonl");
    const stage1 = join(dir, "promote.stage1.jsonl");
    const counts = await filterNegatives({
      in: join(dir, "mined.jsonl"),
      out,
      stage1,
      judges,
      judgments: join(dir, "store"),
      falseNegatives: "promote",
      maxNegatives: 15,
      chunkSize: 2,
    });
    const got = readJsonlSync<Stage2Row>(out);
    expect(got[0]).toEqual({
      query: "糖尿病能吃西瓜吗",
      pos: ["糖尿病人可以吃西瓜吗", "同义：糖尿病患者吃西瓜行不行"],
      // Labelled negative first; the candidate repeating it is not written twice; unsure stays (default).
      neg: ["高血压吃什么药", "糖尿病的并发症", "分歧：西瓜的含糖量"],
      prompt: "检索语义相同的问题",
      type: "symmetric_sts",
    });
    // Two ids, one text: promoted once. No prompt or type in the row: the retrieval defaults.
    expect(got[1]).toMatchObject({ pos: ["头疼如何缓解", "同义：头痛的缓解方法"], neg: [], type: "normal" });
    expect(got[1].prompt).toMatch(/retrieve medical documents/);
    expect(got[2]).toMatchObject({ pos: ["睡不着是什么原因"], neg: ["胃痛吃什么"] });
    expect(counts).toMatchObject({
      rows: 3,
      candidates: 7,
      false_negatives: 3,
      promoted: 2,
      dropped: 0,
      unsure: 1,
      rows_without_negatives: 1,
    });
    // 7 candidates × 2 judges, each asked once.
    expect(server.requests.length).toBe(14);

    const s1 = readJsonlSync<Stage1Row>(stage1);
    for (const r of s1) expect(r).toEqual({ query: r.query, pos: [r.query], neg: [] });
    const texts = new Set(got.flatMap((r) => [r.query, ...r.pos, ...r.neg]));
    expect(s1.map((r) => r.query).sort()).toEqual([...texts].sort());
    expect(counts.stage1_texts).toBe(texts.size);
  });

  it("drops false negatives (and unsure ones when told), reusing the stored judgments", async () => {
    const before = server.requests.length;
    const out = join(dir, "drop.jsonl");
    const counts = await filterNegatives({
      in: join(dir, "mined.jsonl"),
      out,
      judges,
      judgments: join(dir, "store"),
      falseNegatives: "drop",
      unsure: "drop",
      maxNegatives: 1,
    });
    expect(server.requests.length).toBe(before);
    const got = readJsonlSync<Stage2Row>(out);
    expect(got.map((r) => r.pos)).toEqual([["糖尿病人可以吃西瓜吗"], ["头疼如何缓解"], ["睡不着是什么原因"]]);
    // --max-neg 1: the labelled negative fills the row.
    expect(got.map((r) => r.neg)).toEqual([["高血压吃什么药"], [], ["胃痛吃什么"]]);
    expect(counts).toMatchObject({
      false_negatives: 3,
      promoted: 0,
      dropped: 3,
      unsure: 1,
      unsure_dropped: 1,
    });
  });

  it("without judges keeps every candidate as a negative", async () => {
    const out = join(dir, "free.jsonl");
    const counts = await filterNegatives({
      in: join(dir, "mined.jsonl"),
      out,
      falseNegatives: "promote",
      maxNegatives: 15,
    });
    const got = readJsonlSync<Stage2Row>(out);
    expect(got[1]).toMatchObject({ pos: ["头疼如何缓解"], neg: ["同义：头痛的缓解方法"] });
    expect(counts).toMatchObject({ false_negatives: 0, negatives_written: 4 + 1 + 1 });
  });

  it("refuses a mined file without candidates, naming the line", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, JSON.stringify({ query: "q", pos: ["p"] }) + "\n");
    await expect(
      filterNegatives({ in: bad, out: join(dir, "bad-out.jsonl"), falseNegatives: "drop", maxNegatives: 3 }),
    ).rejects.toThrow(/bad\.jsonl:1: field "candidates"/);
  });
});
