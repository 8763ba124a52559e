import { readdirSync, readFileSync, rmSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSuite } from "../../src/data/build-suite.js";
import { buildTrain, type TrainSummary } from "../../src/mine/build-train.js";
import { DATA } from "./paths.js";

const tmp = mkdtempSync(join(tmpdir(), "care-build-train-"));
let summary: TrainSummary;

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Whitespace removed: two texts that differ only in spacing are the same text. */
const norm = (s: string) => s.replace(/\s+/gu, "");

/** Every text a model sees in the written suite, read back from the task folders' files. */
function suiteTexts(root: string): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string" && norm(v) !== "") out.add(norm(v));
  };
  for (const task of readdirSync(root)) {
    const dir = join(root, task);
    for (const [file, fields] of [
      ["corpus.jsonl", ["text", "title"]],
      ["queries.jsonl", ["text"]],
      ["pairs.jsonl", ["sentence1", "sentence2"]],
      ["items.jsonl", ["text"]],
    ] as const) {
      if (!existsSync(join(dir, file))) continue;
      for (const row of lines(join(dir, file))) for (const f of fields) add(row[f]);
    }
  }
  return out;
}

beforeAll(async () => {
  await buildSuite({ from: DATA, out: join(tmp, "suite") });
  summary = await buildTrain({ from: DATA, out: join(tmp, "train") });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("care data build-train", () => {
  it("shares no text with the CMedTEB-lite suite built from the same folder", () => {
    const suite = suiteTexts(join(tmp, "suite"));
    expect(suite.size).toBeGreaterThan(10_000);
    const stage2 = lines(join(tmp, "train", "stage2.jsonl"));
    const stage1 = lines(join(tmp, "train", "stage1.jsonl"));
    const texts = [
      ...stage2.flatMap((r) => [r.query as string, ...(r.pos as string[]), ...(r.neg as string[])]),
      ...stage1.map((r) => r.query as string),
    ];
    expect(texts.filter((t) => suite.has(norm(t)))).toEqual([]);
    // The check had something to catch: cMedQQ's train and dev share questions.
    expect(summary.sources.reduce((s, c) => s + c.overlap_rows, 0)).toBeGreaterThan(100);
  });

  it("writes both formats with per-source counts that match the files", () => {
    const stage2 = lines(join(tmp, "train", "stage2.jsonl"));
    const stage1 = lines(join(tmp, "train", "stage1.jsonl"));
    expect(stage2.length).toBe(summary.stage2_rows);
    expect(stage1.length).toBe(summary.stage1_texts);
    for (const c of summary.sources) expect(c.rows).toBeGreaterThan(1000);
    expect(summary.sources.reduce((s, c) => s + c.rows, 0)).toBe(stage2.length);
    for (const r of stage2) {
      expect(Object.keys(r)).toEqual(["query", "pos", "neg", "prompt", "type"]);
      expect((r.pos as string[]).length).toBe(1);
      expect(["symmetric_sts", "normal"]).toContain(r.type);
      expect(typeof r.prompt === "string" && r.prompt.length > 0).toBe(true);
    }
    const sts = stage2.filter((r) => r.type === "symmetric_sts");
    // Label-0 partners of the same question are hard negatives.
    expect(sts.filter((r) => (r.neg as string[]).length > 0).length).toBeGreaterThan(1000);
    for (const r of stage1) expect(r).toEqual({ query: r.query, pos: [r.query], neg: [] });
    expect(new Set(stage1.map((r) => norm(r.query as string))).size).toBe(stage1.length);
    const counts = JSON.parse(readFileSync(join(tmp, "train", "counts.json"), "utf8")) as TrainSummary;
    expect(counts.stage2_rows).toBe(stage2.length);
    // The six Tianchi rows without a label are reported, not dropped silently.
    expect(counts.skipped.filter((s) => s.file.endsWith("train.csv")).length).toBe(6);
  });
});
