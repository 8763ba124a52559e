import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openJudge } from "../../src/curate/judge.js";
import { parseJudgeConfigs, readJudgeConfigs } from "../../src/curate/judge-config.js";
import { loadPairs, makePair, pairId } from "../../src/curate/pair.js";
import {
  judgmentMessages,
  MAX_DOC_CHARS,
  parseJudgment,
  RUBRIC_LEVELS,
  RUBRIC_VERSION,
  rubricSystemPrompt,
} from "../../src/curate/rubric.js";
import { CareError } from "../../src/core/errors.js";

const dir = mkdtempSync(join(tmpdir(), "care-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rubric", () => {
  it("explains every level in Chinese and demands the strict JSON shape", () => {
    const prompt = rubricSystemPrompt();
    expect(RUBRIC_LEVELS.map((l) => l.score).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const l of RUBRIC_LEVELS) {
      expect(l.description).toMatch(/[\u4e00-\u9fff]{10}/);
      expect(prompt).toContain(`${l.score} 分（${l.name}）：${l.description}`);
    }
    expect(prompt).toContain('{"score": <1 到 5 的整数>, "reason": "<不超过 50 字的中文理由>"}');
    expect(RUBRIC_VERSION).toMatch(/v\d+$/);
  });

  it("cuts long documents and marks the cut", () => {
    const long = "腹".repeat(MAX_DOC_CHARS + 100);
    const [, user] = judgmentMessages("头痛", long);
    expect(user.content).toContain("腹".repeat(MAX_DOC_CHARS) + "……（后文省略）");
    expect(user.content).not.toContain("腹".repeat(MAX_DOC_CHARS + 1));
  });

  it.each([
    ['{"score": 4, "reason": "相关"}', 4],
    ['  \n{"reason": "无关", "score": 1}\n', 1],
  ])("accepts %j", (text, score) => {
    expect(parseJudgment(text)).toEqual({ ok: true, score, reason: expect.any(String) });
  });

  it.each([
    ['```json\n{"score": 4, "reason": "x"}\n```', /JSON 对象/],
    ['好的：{"score": 4, "reason": "x"}', /JSON 对象/],
    ['{"score": 4, "reason": "x"', /JSON 对象/],
    ['{"score": 4, "reason": "x",}', /合法/],
    ['{"score": "4", "reason": "x"}', /整数/],
    ['{"score": 4.5, "reason": "x"}', /整数/],
    ['{"score": 0, "reason": "x"}', /整数/],
    ['{"score": 6, "reason": "x"}', /整数/],
    ['{"score": 4}', /reason/],
    ['{"score": 4, "reason": "x", "confidence": 0.9}', /confidence/],
    ["[4]", /JSON 对象/],
  ])("rejects %j", (text, problem) => {
    const r = parseJudgment(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });
});

describe("judges.json", () => {
  it("fills defaults and resolves a GGUF path against the file's folder", () => {
    const [o, g] = parseJudgeConfigs(
      [
        {
          name: "gpt",
          type: "openai",
          base_url: "https://api.example.com/v1/",
          model: "m",
          api_key_env: "K",
        },
        { name: "local", type: "gguf", path: "models/judge.gguf" },
      ],
      join(dir, "judges.json"),
    );
    expect(o).toMatchObject({
      base_url: "https://api.example.com/v1",
      concurrency: 4,
      rpm: 60,
      max_retries: 5,
      max_reasks: 2,
      timeout_ms: 60_000,
      json_mode: true,
      temperature: 0,
    });
    expect(g).toMatchObject({ type: "gguf", path: join(dir, "models/judge.gguf"), concurrency: 1 });
  });

  it.each([
    [{}, /non-empty array/],
    [[{ type: "openai", base_url: "http://h", model: "m" }], /judges\[0\]\.name: is required/],
    [[{ name: "a", type: "claude" }], /judges\[0\]\.type: must be "openai" or "gguf"/],
    [[{ name: "a", type: "openai", base_url: "ftp://h", model: "m" }], /judges\[0\]\.base_url/],
    [
      [{ name: "a", type: "openai", base_url: "http://h", model: "m", rpm: 0 }],
      /judges\[0\]\.rpm: must be at least 1/,
    ],
    [
      [{ name: "a", type: "openai", base_url: "http://h", model: "m", concurrency: 1.5 }],
      /concurrency: must be an integer/,
    ],
    [
      [{ name: "a", type: "openai", base_url: "http://h", model: "m", api_key: "sk-x" }],
      /judges\[0\]\.api_key: unknown field/,
    ],
    [
      [
        { name: "a", type: "gguf", path: "x.gguf" },
        { name: "a", type: "gguf", path: "y.gguf" },
      ],
      /judges\[1\]\.name: "a" is used by two judges/,
    ],
  ])("rejects %j naming the field", (raw, message) => {
    expect(() => parseJudgeConfigs(raw, "judges.json")).toThrow(CareError);
    expect(() => parseJudgeConfigs(raw, "judges.json")).toThrow(message);
  });

  it("names the file on malformed JSON", () => {
    const f = join(dir, "bad.json");
    writeFileSync(f, "[{");
    expect(() => readJudgeConfigs(f)).toThrow(new RegExp(`${f}: malformed JSON`));
  });

  it("refuses a GGUF judge whose model file is missing, before loading node-llama-cpp", async () => {
    const [g] = parseJudgeConfigs([{ name: "local", type: "gguf", path: "nope.gguf" }], join(dir, "j.json"));
    await expect(openJudge(g)).rejects.toThrow(/GGUF file not found/);
  });
});

describe("pairs", () => {
  it("hashes task, ids and texts into a stable id", () => {
    const a = pairId("t", "q", "d", "问", "答");
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(pairId("t", "q", "d", "问", "答")).toBe(a);
    expect(pairId("t", "q", "d", "问", "答 ")).not.toBe(a);
    expect(pairId("t2", "q", "d", "问", "答")).not.toBe(a);
    // Field boundaries matter: ("ab","c") and ("a","bc") are different pairs.
    expect(pairId("t", "ab", "c", "", "")).not.toBe(pairId("t", "a", "bc", "", ""));
  });

  it("reads a pairs file, checking fields and ids with file and line", async () => {
    const good = makePair({
      task: "t",
      query_id: "q1",
      doc_id: "d1",
      query: "问",
      doc: "答",
      labelled: true,
    });
    const f = join(dir, "pairs.jsonl");
    writeFileSync(
      f,
      JSON.stringify(good) + "\n\n" + JSON.stringify({ ...good, doc_id: "d2", pair_id: undefined }) + "\n",
    );
    const pairs = await loadPairs(f);
    expect(pairs[0]).toEqual(good);
    expect(pairs[1].pair_id).toBe(pairId("t", "q1", "d2", "问", "答"));

    writeFileSync(f, JSON.stringify(good) + "\n" + JSON.stringify({ ...good, doc: "改过的答" }) + "\n");
    await expect(loadPairs(f)).rejects.toThrow(new RegExp(`${f}:2: field "pair_id"`));
    writeFileSync(f, JSON.stringify({ ...good, query: undefined }) + "\n");
    await expect(loadPairs(f)).rejects.toThrow(new RegExp(`${f}:1: field "query" must be a string`));
    writeFileSync(f, JSON.stringify({ ...good, labelled: "yes" }) + "\n");
    await expect(loadPairs(f)).rejects.toThrow(/field "labelled" must be true or false/);
    writeFileSync(f, JSON.stringify(good) + "\n" + JSON.stringify(good) + "\n");
    await expect(loadPairs(f)).rejects.toThrow(/appears twice/);
  });
});
