/**
 * The experiment end to end on the real data at the quick setting cut further (two tasks, two seeds, 4
 * updates): the summary has the shape and sane values (means inside their intervals, seed means
 * averaging to the mean, the per-type means made of the right tasks, latency measured), the files are
 * written, and a second run resumes everything it can from the first; the stage-I budget ablation
 * reuses its runs.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { QUICK, type ExperimentConfig } from "../../src/care/experiment/config.js";
import { summaryJson } from "../../src/care/experiment/report.js";
import { MODEL_NAMES, runExperiment } from "../../src/care/experiment/run.js";
import { runStage1Budget } from "../../src/care/experiment/stage1-budget.js";
import { stage1BudgetMarkdown, stage1BudgetSvg } from "../../src/care/experiment/stage1-budget-report.js";
import { trained } from "../../src/care/finished-run.js";
import { writeExperiment } from "../../src/care/experiment/write.js";
import { TRAINING_CARD } from "../../src/train/st-folder.js";

const root = mkdtempSync(join(tmpdir(), "care-experiment-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config: ExperimentConfig = {
  ...QUICK,
  name: "care-small-test",
  tasks: ["CMedQA-Reranking", "CMedQQ-STS"],
  maxRows: 150,
  maxUnits: 40,
  devRows: 30,
  updates: 4,
  seeds: [1, 2],
  latencyQueries: 3,
  replicates: 100,
};

describe("experiment:care", () => {
  it("writes the issue's summary with sane values, and resumes", async () => {
    const work = join(root, "work");
    const r = await runExperiment({ config, data: "../shared/data", work, log: () => {} });
    const s = summaryJson(r);

    expect(Object.keys(s).sort()).toEqual(["excluded_tasks", "instruction_policy", "models", "updates"]);
    expect(Object.keys(s.models)).toEqual([...MODEL_NAMES]);
    expect(s.updates).toBe(4);
    expect(s.instruction_policy).toMatch(/^none: .* cut to 24 tokens$/);
    expect(s.excluded_tasks.every((t) => config.tasks!.includes(t))).toBe(true);
    const headline = config.tasks!.filter((t) => !s.excluded_tasks.includes(t));
    for (const name of MODEL_NAMES) {
      const m = s.models[name];
      expect(Object.keys(m).sort()).toEqual(["by_type", "ci95", "mean", "query_ms_p50", "seeds"]);
      expect(m.seeds).toHaveLength(name === "bm25" ? 1 : 2);
      expect(m.query_ms_p50).toBeGreaterThan(0);
      const f = r.aggregated.models.find((x) => x.name === name)!;
      if (!headline.length) {
        expect(m.mean).toBeNull();
        continue;
      }
      expect(m.mean).toBeGreaterThanOrEqual(-100);
      expect(m.mean).toBeLessThanOrEqual(100);
      // The headline mean is the mean of the headline tasks' scores and of the seeds' means.
      const tasks = f.tasks.filter((t) => headline.includes(t.task));
      expect(m.mean!).toBeCloseTo(tasks.reduce((a, t) => a + t.score!, 0) / tasks.length, 1);
      expect(m.mean!).toBeCloseTo(m.seeds.reduce((a: number, x) => a + x!, 0) / m.seeds.length, 1);
      expect(m.ci95![0]).toBeLessThanOrEqual(m.mean! + 0.01);
      expect(m.ci95![1]).toBeGreaterThanOrEqual(m.mean! - 0.01);
      expect(m.by_type.retrieval).toBeNull();
      for (const [type, task] of [
        ["reranking", "CMedQA-Reranking"],
        ["sts", "CMedQQ-STS"],
      ] as const) {
        const t = f.tasks.find((x) => x.task === task)!;
        if (headline.includes(task)) expect(m.by_type[type]).toBeCloseTo(t.score!, 1);
        else expect(m.by_type[type]).toBeNull();
        // Per-task intervals hold the task's score; STS carries Spearman beside Pearson.
        expect(t.ci95![0]).toBeLessThanOrEqual(t.score! + 1e-9);
        expect(t.ci95![1]).toBeGreaterThanOrEqual(t.score! - 1e-9);
      }
      expect(f.tasks.find((x) => x.task === "CMedQQ-STS")!.spearman).not.toBeUndefined();
    }
    // The reference that decides exclusions was evaluated on every task.
    expect(Object.keys(r.aggregated.random).sort()).toEqual([...config.tasks!].sort());
    // Stage I+II models split the updates; every trained model got the same number.
    const steps = (m: string) => r.training.filter((t) => t.model === m && t.seed === 1).map((t) => t.steps);
    expect(steps("sym-large")).toEqual([4]);
    expect(steps("care-stage1")).toEqual([4]);
    expect(steps("stage1-half")[0] + steps("care-stage1+2")[0]).toBe(4);
    expect(r.training.every((t) => !t.skipped)).toBe(true);
    // The learning rate from random weights was chosen on the dev split: the best of the candidates.
    expect(r.dev.scores.map((x) => x.lr)).toEqual(config.lr.fromScratch);
    const bestDev = Math.max(...r.dev.scores.map((x) => x.ndcg_at_10!));
    expect(r.dev.scores.find((x) => x.ndcg_at_10 === bestDev)!.lr).toBe(r.dev.chosen);
    expect(r.training.filter((t) => t.model === "sym-small").every((t) => t.steps === 4)).toBe(true);
    // Latency at 16 tokens and at the query length.
    expect(Object.keys(r.latency["sym-large"].byLength).sort()).toEqual(["16", "24"]);

    const docs = join(root, "docs");
    const w = writeExperiment(r, docs, { command: "npm run experiment:care -- --quick", quick: true });
    expect(JSON.parse(readFileSync(join(docs, config.name, "summary.json"), "utf8"))).toEqual(s);
    expect(readdirSync(join(docs, config.name, "runs"))).toHaveLength(1 + 7 * 2);
    expect(w.markdown).toContain("carry no information");
    expect(w.markdown).toMatch(/\| hybrid ≥ bm25 \+ 2 points \| (yes|\*\*no\*\*|n\/a) \|/);
    expect(readFileSync(join(docs, `${config.name}-means.svg`), "utf8")).toContain("<svg");

    // A second run finds every model trained and every evaluation kept: the same figures.
    const again = await runExperiment({ config, data: "../shared/data", work, log: () => {} });
    expect(again.training.every((t) => t.skipped)).toBe(true);
    expect(again.aggregated).toEqual(r.aggregated);

    // The stage-I budget ablation on the same work folder: the main run's stage-I runs are reused, the
    // others trained, every pair scored on the dev split with its alignment.
    const card = join(work, "runs", "care-stage1-seed1", "train", "query", TRAINING_CARD);
    const before = statSync(card).mtimeMs;
    const budget = { config, data: "../shared/data", work, lr: r.dev.chosen, multiples: [0, 1, 2] };
    const b = await runStage1Budget(budget);
    expect(statSync(card).mtimeMs).toBe(before);
    expect(b.points.map((p) => [p.model, p.stage1_updates, p.stage2_updates])).toEqual([
      ["sym-small", 0, 0],
      ["sym-large", 0, 0],
      ["stage I 0", 0, 0],
      ["stage I 4", 4, 0],
      ["stage I 4 + II 2 (frozen doc)", 4, 2],
      ["stage I 8", 8, 0],
      ["stage I 8 + II 2 (frozen doc)", 8, 2],
    ]);
    for (const p of b.points) {
      expect(p.dev_ndcg_at_10).toBeGreaterThanOrEqual(0);
      expect(p.dev_ndcg_at_10).toBeLessThanOrEqual(1);
      if (p.model.startsWith("sym-")) expect(p.alignment).toBeNull();
      else expect(Math.abs(p.alignment!)).toBeLessThanOrEqual(1 + 1e-6);
    }
    // A budget the main run lacks was trained, with the stage-I settings.
    expect(
      trained(join(work, "runs", "stage1-u8-seed1", "train", "query"), {
        steps: 8,
        lr: r.dev.chosen,
        batchSize: config.stage1BatchSize,
      }),
    ).toBe(true);
    const md = stage1BudgetMarkdown(b, { command: "x", plot: "p.svg", json: "b.json" });
    expect(md).toContain("| stage I 8 + II 2 (frozen doc) | 8 | 2 |");
    expect(stage1BudgetSvg(b)).toContain("<svg");
    // Kept evaluations: a rerun gives the same points without training.
    expect((await runStage1Budget(budget)).points).toEqual(b.points);
    // Minutes, not seconds, on a shared 2-core machine: the suite and training sets are built from the data.
  }, 600_000);
});

describe("trained (what a rerun reuses)", () => {
  it("reuses a finished run only with the same steps, learning rate, batch and data", () => {
    const dir = join(root, "trained-card");
    mkdirSync(dir, { recursive: true });
    const settings = { steps: 800, lr: 5e-4, batchSize: 16 };
    expect(trained(dir, settings)).toBe(false);
    writeFileSync(
      join(dir, TRAINING_CARD),
      JSON.stringify({ final_step: 800, lr: 5e-4, batch_size: 16, data: join(root, "a.jsonl") }),
    );
    expect(trained(dir, settings)).toBe(true);
    expect(trained(dir, { ...settings, lr: 1e-4 })).toBe(false);
    expect(trained(dir, { ...settings, steps: 1000 })).toBe(false);
    expect(trained(dir, { ...settings, batchSize: 32 })).toBe(false);
    expect(trained(dir, { ...settings, data: join(root, "a.jsonl") })).toBe(true);
    expect(trained(dir, { ...settings, data: join(root, "b.jsonl") })).toBe(false);
  });
});
