/**
 * The experiment pipeline end to end on the real data, at the quick setting cut further (one task, 200
 * training rows): every step runs, the table has the five models, and each figure in it is the
 * main score of the result file the summary names.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { QUICK } from "../../src/care/experiment/config.js";
import { experimentMarkdown, resultTable } from "../../src/care/experiment/report.js";
import { runExperiment, trained } from "../../src/care/experiment/run.js";
import { TRAINING_CARD } from "../../src/train/st-folder.js";
import type { ResultFile } from "../../src/bench/result.js";

const root = mkdtempSync(join(tmpdir(), "care-experiment-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("experiment:care", () => {
  it("produces the five-row table from result files", async () => {
    const config = {
      ...QUICK,
      name: "care-small-test",
      tasks: ["CMedQA-Reranking"],
      maxRows: 200,
      latencyQueries: 5,
    };
    const s = await runExperiment({
      config,
      data: "../shared/data",
      work: join(root, "work"),
      results: join(root, "results"),
      log: () => {},
    });

    expect(s.rows.map((r) => r.key)).toEqual([
      "symmetric-large",
      "symmetric-small",
      "care-stage1",
      "care-stage2",
      "care-stage1+2",
    ]);
    const table = resultTable(s).split("\n");
    expect(table).toHaveLength(2 + 5);
    expect(table[0]).toBe("| model | CMedQA-Reranking | mean | p50 ms |");
    for (const r of s.rows) {
      const file = r.resultFiles["CMedQA-Reranking"];
      const result = JSON.parse(readFileSync(file, "utf8")) as ResultFile;
      expect(result.care.model.spec).toBe(r.spec);
      const main = Object.values(result.scores)[0][0].main_score as number;
      expect(r.scores["CMedQA-Reranking"]).toBe(main);
      expect(table.some((l) => l.startsWith(`| ${r.label} | ${(100 * main).toFixed(2)} |`))).toBe(true);
      expect(r.latency.p50_ms).toBeGreaterThan(0);
      expect(r.latency.queries).toBe(5);
    }
    // Training steps, evaluations and the latency pass, each recorded with its command.
    expect(s.steps.filter((st) => st.command.startsWith("care train "))).toHaveLength(5);
    expect(s.steps.filter((st) => st.command.startsWith("care bench "))).toHaveLength(5);
    const md = experimentMarkdown(s, {
      plotFile: "x.svg",
      command: "npm run experiment:care -- --quick",
      root,
      quick: true,
    });
    expect(md).toContain("carry no information");
    expect(md).toMatch(/CARE stage I\+II \(mean [\d.]+\) (lands between|scores above|scores below)/);
    expect(JSON.parse(readFileSync(s.summaryFile, "utf8"))).toMatchObject({ name: "care-small-test" });
  });
});

describe("trained (what a rerun reuses)", () => {
  it("reuses a finished run only with the same steps, learning rate, batch and group size", () => {
    const dir = join(root, "trained-card");
    mkdirSync(dir, { recursive: true });
    const settings = { steps: 800, lr: 5e-4, batchSize: 16, groupSize: 4 };
    expect(trained(dir, settings)).toBe(false);
    writeFileSync(
      join(dir, TRAINING_CARD),
      JSON.stringify({ final_step: 800, lr: 5e-4, batch_size: 16, group_size: 4 }),
    );
    expect(trained(dir, settings)).toBe(true);
    expect(trained(dir, { ...settings, lr: 1e-4 })).toBe(false);
    expect(trained(dir, { ...settings, steps: 1000 })).toBe(false);
    expect(trained(dir, { ...settings, batchSize: 32 })).toBe(false);
    expect(trained(dir, { ...settings, groupSize: 8 })).toBe(false);
  });
});
