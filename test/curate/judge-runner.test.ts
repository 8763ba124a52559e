import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openJudges } from "../../src/curate/judge.js";
import { parseJudgeConfigs, type JudgeConfig } from "../../src/curate/judge-config.js";
import { makePair, type Pair } from "../../src/curate/pair.js";
import { RUBRIC_VERSION } from "../../src/curate/rubric.js";
import { countPending, runJudges } from "../../src/curate/runner.js";
import { JudgmentStore } from "../../src/curate/store.js";
import { CareError } from "../../src/core/errors.js";
import { chatAnswer, MockChatServer, type MockAnswer, type MockRequest } from "./mock-chat-server.js";

const SECRET = "sk-test-secret-0123456789";

function pairs(tags: string[]): Pair[] {
  return tags.map((tag, i) =>
    makePair({
      task: "t",
      query_id: `q${i}`,
      doc_id: `d${i}`,
      query: `${tag} 头痛怎么办 ${i}`,
      doc: `文档 ${i}`,
    }),
  );
}

function judgeCfg(url: string, over: Record<string, unknown>): JudgeConfig {
  return parseJudgeConfigs(
    [
      {
        type: "openai",
        base_url: url,
        max_retries: 3,
        max_reasks: 2,
        timeout_ms: 1000,
        backoff_ms: 5,
        rpm: 60_000,
        concurrency: 4,
        ...over,
      },
    ],
    "judges.json",
  )[0];
}

/** Scripted behaviour by the tag at the start of the query. */
function scripted(r: MockRequest): MockAnswer {
  const tag = r.query.split(" ")[0];
  const good = chatAnswer(JSON.stringify({ score: r.model === "m-a" ? 4 : 5, reason: "回答了问题" }));
  switch (tag) {
    case "good":
      return good;
    case "fenced-once":
      return r.attempt === 1 ? chatAnswer('```json\n{"score": 4, "reason": "x"}\n```') : good;
    case "malformed-always":
      return chatAnswer("我认为相关，给 4 分。");
    case "429-once":
      return r.attempt === 1
        ? { status: 429, headers: { "retry-after": "1" }, body: { error: "rate" } }
        : good;
    case "500-twice":
      return r.attempt <= 2 ? { status: 500, body: { error: "boom" } } : good;
    case "500-always":
      return { status: 503, body: { error: `overloaded; your key ${r.authorization}` } };
    case "slow-once":
      return r.attempt === 1 ? { ...good, delayMs: 2500 } : good;
    case "broken-envelope-once":
      return r.attempt === 1 ? { body: "<html>gateway</html>" } : good;
    default:
      throw new Error(`unknown tag ${tag}`);
  }
}

describe("judge runner against a local OpenAI-compatible server", () => {
  let server: MockChatServer;
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "care-judge-"));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    server = await MockChatServer.start(scripted);
    process.env.CARE_TEST_JUDGE_KEY = SECRET;
  });
  afterEach(() => {
    server.requests.length = 0;
    server.log.length = 0;
  });
  afterAll(async () => {
    await server.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("completes through malformed, slow, 429 and 500 answers, recording failures and spend", async () => {
    const input = pairs([
      "good",
      "fenced-once",
      "malformed-always",
      "429-once",
      "500-twice",
      "500-always",
      "slow-once",
      "broken-envelope-once",
    ]);
    const judges = await openJudges([
      judgeCfg(server.url, {
        name: "A",
        model: "m-a",
        api_key_env: "CARE_TEST_JUDGE_KEY",
        price_per_1k_input: 0.5,
        price_per_1k_output: 2,
      }),
      judgeCfg(server.url, { name: "B", model: "m-b" }),
    ]);
    const dir = tmp();
    const store = JudgmentStore.open(dir);
    const summaries = await runJudges(input, judges, store);
    const verdict = (judge: string, i: number) =>
      store.latestForPair(input[i].pair_id, RUBRIC_VERSION).get(judge)!;

    expect(summaries.map((s) => [s.judge, s.asked, s.scored, s.failed])).toEqual([
      ["A", 8, 6, 2],
      ["B", 8, 6, 2],
    ]);
    for (const i of [0, 1, 3, 4, 6, 7]) {
      expect(verdict("A", i).score).toBe(4);
      expect(verdict("B", i).score).toBe(5);
    }
    // A fenced reply is malformed under strict parsing: re-asked with the reply and a correction appended.
    const fenced = server.requestsFor("m-a").filter((r) => r.query.startsWith("fenced-once"));
    expect(fenced.map((r) => r.messages.map((m) => m.role))).toEqual([
      ["system", "user"],
      ["system", "user", "assistant", "user"],
    ]);
    expect(verdict("A", 1).asks).toBe(2);
    // Malformed every time: 1 ask + 2 re-asks, then a failure with the last reply kept.
    expect(verdict("A", 2)).toMatchObject({ score: null, asks: 3, raw: "我认为相关，给 4 分。" });
    expect(verdict("A", 2).error).toMatch(/malformed reply after 3 asks/);
    // 500 forever: max_retries + 1 HTTP attempts, then a failure.
    expect(server.requestsFor("m-a").filter((r) => r.query.startsWith("500-always"))).toHaveLength(4);
    expect(verdict("A", 5).error).toMatch(/gave up after 4 attempts; last error: HTTP 503/);
    // The 429 carried Retry-After: 1, so the retry came at least a second later.
    const after429 = server.log.filter((l) => l.model === "m-a" && l.query.startsWith("429-once"));
    expect(after429.map((l) => l.status)).toEqual([429, 200]);
    expect(after429[1].start - after429[0].end).toBeGreaterThanOrEqual(950);
    // The slow first answer hit the 1 s timeout and was retried.
    expect(server.requestsFor("m-b").filter((r) => r.query.startsWith("slow-once"))).toHaveLength(2);
    expect(server.requestsFor("m-b").filter((r) => r.query.startsWith("500-twice"))).toHaveLength(3);

    // Tokens come from `usage` of every completion (re-asks included); cost from the judge's prices.
    const totals = store.totals(RUBRIC_VERSION);
    const a = totals.find((t) => t.judge === "A")!;
    const completionsA = 6 + 1 + 3; // one per scored pair, the fenced re-ask, 3 malformed replies
    expect(a).toMatchObject({
      scored: 6,
      failed: 2,
      input_tokens: 100 * completionsA,
      output_tokens: 10 * completionsA,
    });
    expect(a.cost).toBeCloseTo(completionsA * (0.1 * 0.5 + 0.01 * 2), 10);
    expect(totals.find((t) => t.judge === "B")!.cost).toBe(0);

    // The key reached the server, and nowhere on disk — not even the echo in the 503 body.
    expect(server.requestsFor("m-a")[0].authorization).toBe(`Bearer ${SECRET}`);
    expect(server.requestsFor("m-b")[0].authorization).toBeUndefined();
    expect(verdict("A", 5).error).toContain("[redacted]");
    store.close();
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(SECRET)).toBe(false);
  });

  it("keeps each judge within its concurrency and requests-per-minute limits", async () => {
    const slow = await MockChatServer.start((r) => ({
      ...chatAnswer('{"score": 3, "reason": "ok"}'),
      delayMs: r.model === "wide" ? 60 : 5,
    }));
    try {
      const input = pairs(new Array(24).fill("good"));
      const judges = await openJudges([
        judgeCfg(slow.url, { name: "wide", model: "wide", concurrency: 3 }),
        judgeCfg(slow.url, { name: "paced", model: "paced", concurrency: 4, rpm: 600 }),
      ]);
      const store = JudgmentStore.open(tmp());
      await runJudges(input.slice(0, 24), [judges[0]], store);
      expect(slow.maxInFlight.get("wide")).toBe(3);

      const paced = input.slice(0, 12);
      await runJudges(paced, [judges[1]], store);
      // 600 rpm = one request start every 100 ms, however many are allowed in flight. A late timer can
      // bunch two arrivals together, but none can come before its slot: the k-th is ≥ 100·k ms after the first.
      const starts = slow.log.filter((l) => l.model === "paced").map((l) => l.start);
      expect(starts).toHaveLength(12);
      starts.sort((x, y) => x - y);
      for (let k = 1; k < starts.length; k++) expect(starts[k] - starts[0]).toBeGreaterThan(100 * k - 30);
      store.close();
    } finally {
      await slow.close();
    }
  });

  it("on a rerun asks only what is missing, and re-asks failures only when told to", async () => {
    const input = pairs(["good", "good", "malformed-always", "good", "good", "500-always"]);
    const [judge] = await openJudges([
      judgeCfg(server.url, { name: "A", model: "m-a", max_retries: 0, max_reasks: 0 }),
    ]);
    const store = JudgmentStore.open(tmp());
    await runJudges(input.slice(0, 3), [judge], store);
    expect(server.requests).toHaveLength(3);

    server.requests.length = 0;
    expect(await countPending(input, ["A"], store)).toBe(3);
    const again = await runJudges(input, [judge], store);
    expect(server.requests.map((r) => r.query)).toEqual(input.slice(3).map((p) => p.query));
    expect(again[0]).toMatchObject({ asked: 3, skipped: 3, failed: 1 });

    server.requests.length = 0;
    expect(await countPending(input, ["A"], store, true)).toBe(2);
    await runJudges(input, [judge], store, { retryFailed: true });
    expect(server.requests.map((r) => r.query).sort()).toEqual([input[2].query, input[5].query].sort());
    // Re-judged failures are appended: the audit trail keeps both rows, totals count both.
    expect([...store.rows()]).toHaveLength(8);
    expect(store.totals(RUBRIC_VERSION)[0]).toMatchObject({ scored: 4, failed: 2, asks: 8 });
    store.close();
  });

  it("on a bad input row, stores the judgments in flight before reporting it", async () => {
    const [judge] = await openJudges([judgeCfg(server.url, { name: "A", model: "m-a", concurrency: 4 })]);
    const store = JudgmentStore.open(tmp());
    const input = pairs(["good", "good", "good"]);
    async function* rows() {
      yield* input;
      throw new CareError("malformed JSON", "pairs.jsonl", 4);
    }
    await expect(runJudges(rows(), [judge], store)).rejects.toThrow("pairs.jsonl:4: malformed JSON");
    expect([...store.rows()].map((j) => j.pair_id).sort()).toEqual(input.map((p) => p.pair_id).sort());
    store.close();
  });

  it("stops with a clear error on a rejected key instead of failing every pair", async () => {
    const auth = await MockChatServer.start(() => ({ status: 401, body: { error: "invalid api key" } }));
    try {
      const [judge] = await openJudges([judgeCfg(auth.url, { name: "A", model: "m", concurrency: 1 })]);
      const store = JudgmentStore.open(tmp());
      const run = runJudges(pairs(new Array(20).fill("good")), [judge], store);
      await expect(run).rejects.toThrow(CareError);
      await expect(run).rejects.toThrow(/judge "A": HTTP 401/);
      expect(auth.requests.length).toBeLessThanOrEqual(3);
      expect([...store.rows()]).toHaveLength(0);
      store.close();
    } finally {
      await auth.close();
    }
  });

  it("refuses a judge whose key variable is not set, naming the variable but no value", async () => {
    await expect(
      openJudges([judgeCfg(server.url, { name: "A", model: "m", api_key_env: "CARE_TEST_UNSET_KEY" })]),
    ).rejects.toThrow(/CARE_TEST_UNSET_KEY.*not set/);
  });
});
