import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliChild } from "../helpers/cli-child.js";
import { chatAnswer, MockChatServer } from "../curate/mock-chat-server.js";
import { tmp, writeJsonl } from "./helpers.js";

const dir = tmp("kill");
let server: MockChatServer;

function rowsDone(out: string): number {
  try {
    return (JSON.parse(readFileSync(`${out}.progress.json`, "utf8")) as { rows_done: number }).rows_done;
  } catch {
    return 0;
  }
}

beforeAll(async () => {
  // Relevance by a digit in the document: a deterministic mix of false negatives and negatives.
  server = await MockChatServer.start((r) => ({
    ...chatAnswer(JSON.stringify({ score: /[05]$/.test(r.doc) ? 5 : 1, reason: "模拟" })),
    delayMs: 10,
  }));
  const judge = (name: string) => ({
    name,
    type: "openai",
    base_url: server.url,
    model: name,
    concurrency: 2,
    rpm: 60_000,
    max_retries: 1,
    timeout_ms: 5000,
  });
  writeFileSync(join(dir, "judges.json"), JSON.stringify([judge("A"), judge("B")]));
  const queries = Array.from({ length: 400 }, (_, i) => ({
    query: `问题${i}：头痛${i % 7}发热${i % 11}`,
    pos: [`回答${i}`],
    pos_id: `d${i}`,
  }));
  writeJsonl(join(dir, "pairs.jsonl"), queries);
  writeJsonl(
    join(dir, "corpus.jsonl"),
    Array.from({ length: 300 }, (_, i) => ({
      _id: `d${i}`,
      text: `头痛${i % 7}发热${i % 11}咳嗽${i % 5} 回答${i}`,
    })),
  );
  writeJsonl(
    join(dir, "mined.jsonl"),
    Array.from({ length: 24 }, (_, i) => ({
      query: `问题${i}`,
      pos: [`回答${i}`],
      candidates: [0, 1].map((k) => ({ id: `c${i}-${k}`, text: `候选${i}-${2 * i + k}`, score: 2 - k })),
    })),
  );
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SIGKILL and rerun", () => {
  it("care mine negatives: the resumed output is byte-identical to an uninterrupted run", async () => {
    const args = (out: string) => [
      "mine",
      "negatives",
      "--pairs",
      join(dir, "pairs.jsonl"),
      "--corpus",
      join(dir, "corpus.jsonl"),
      "--retriever",
      "bm25",
      "--top-k",
      "5",
      "--chunk",
      "1",
      "--out",
      out,
    ];
    const ref = join(dir, "neg-ref.jsonl");
    expect((await runCliChild(args(ref)).done).code).toBe(0);

    const out = join(dir, "neg.jsonl");
    const first = runCliChild(args(out));
    await expect.poll(() => rowsDone(out), { timeout: 30_000, interval: 10 }).toBeGreaterThan(20);
    first.child.kill("SIGKILL");
    expect((await first.done).code).toBeNull();
    const done = rowsDone(out);
    expect(done).toBeLessThan(400);
    expect(existsSync(out)).toBe(false);

    const second = await runCliChild(args(out)).done;
    expect(second.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(ref, "utf8"));
    expect(existsSync(`${out}.partial`) || existsSync(`${out}.progress.json`)).toBe(false);
  });

  it("care mine filter: asks only the missing judgments and writes the same stage-II and stage-I files", async () => {
    const args = (out: string) => [
      "mine",
      "filter",
      "--in",
      join(dir, "mined.jsonl"),
      "--judges",
      join(dir, "judges.json"),
      "--chunk",
      "4",
      "--out",
      out,
    ];
    const ref = join(dir, "filter-ref.jsonl");
    expect((await runCliChild(args(ref)).done).code).toBe(0);
    const total = server.requests.length;
    expect(total).toBe(24 * 2 * 2);

    const out = join(dir, "filter.jsonl");
    const first = runCliChild(args(out));
    await expect.poll(() => rowsDone(out), { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(8);
    first.child.kill("SIGKILL");
    expect((await first.done).code).toBeNull();
    const askedBefore = server.requests.length - total;
    expect(askedBefore).toBeLessThan(total);

    const second = await runCliChild(args(out)).done;
    expect(second.code).toBe(0);
    // Judgments stored before the kill are not asked again (at most the ones in flight are).
    const askedAfter = server.requests.length - total - askedBefore;
    expect(askedBefore + askedAfter).toBeLessThanOrEqual(total + 2 * 2);
    expect(askedAfter).toBeLessThan(total);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(ref, "utf8"));
    expect(readFileSync(join(dir, "filter.stage1.jsonl"), "utf8")).toBe(
      readFileSync(join(dir, "filter-ref.stage1.jsonl"), "utf8"),
    );
    expect(second.out).toMatch(/24 rows, 48 candidates: 10 judged relevant by every judge \(10 promoted/);
  });
});
