import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo.js";
import { openIndex } from "../../src/store/open.js";
import { DATA } from "../data/paths.js";

describe("care demo (the README's main job), without serving", () => {
  const work = mkdtempSync(join(tmpdir(), "care-demo-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("builds the suite, benchmarks BM25 on every task, writes the report and indexes the corpus", async () => {
    const lines: string[] = [];
    // No trained pair where the demo looks (whatever this checkout's .cache holds).
    const trainedPair = { queryDir: join(work, "none", "query"), docDir: join(work, "none", "doc") };
    const demo = await runDemo({ from: DATA, work, serve: false, port: 0, trainedPair }, (l) =>
      lines.push(l),
    );
    await demo.close();
    expect(demo.url).toBeUndefined();

    const report = join(work, "results", "leaderboard.md");
    expect(lines.join("\n")).toContain(report);
    const board = readFileSync(report, "utf8");
    for (const task of ["CMedQA-Retrieval", "CMedIR-Reranking", "Tianchi-STS", "CMedTC-Clustering"])
      expect(board).toContain(task);
    expect(existsSync(join(work, "results", "leaderboard.html"))).toBe(true);

    // Without trained encoders the demo says plainly that its search page ranks at random.
    expect(lines.join("\n")).toMatch(/tiny RANDOM encoders/);
    const index = openIndex(join(work, "index"));
    try {
      const corpus = readFileSync(join(work, "suite", "MedicalDialogue-Retrieval", "corpus.jsonl"), "utf8");
      expect(index.count).toBe(corpus.trim().split("\n").length);
    } finally {
      index.close();
    }
  });

  it("says exactly which files it needs when the data is missing", async () => {
    await expect(
      runDemo({ from: join(work, "nowhere"), work, serve: false, port: 0 }, () => undefined),
    ).rejects.toThrow(/cMedQA\/dev\.txt/);
  });
});
