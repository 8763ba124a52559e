import type { Command } from "commander";
import { positiveInt } from "./args.js";
import { findTasks } from "../tasks/load.js";
import { loadBenchModel } from "../bench/load-model.js";
import { runBench } from "../bench/run.js";
import { formatScore } from "../bench/report/leaderboard.js";
import { SPEC_GRAMMAR } from "../core/spec.js";
import { shellQuote } from "../bench/provenance.js";
import { printResult } from "./output.js";

interface BenchOptions {
  model: string;
  tasks: string;
  out: string;
  saveRun?: boolean;
  overwrite?: boolean;
  batchSize?: number;
}

export function register(program: Command): void {
  program
    .command("bench")
    .description("evaluate a model on task folders (retrieval, reranking, STS, clustering), MTEB-style")
    .requiredOption("--model <spec>", `model: ${SPEC_GRAMMAR}`)
    .requiredOption("--tasks <dirs>", "task folders, or folders holding task folders, comma-separated")
    .option("--out <dir>", "results folder, MTEB's layout (<out>/<model>/<revision>/<task>.json)", "results")
    .option("--save-run", "also write a TREC run and qrels file per ranking task")
    .option("--overwrite", "re-evaluate tasks that already have a result")
    .option("--batch-size <n>", "texts per encoder call (dense models)", positiveInt)
    .action(async (opts: BenchOptions) => {
      // Recorded in each result: the command with every option spelled out, defaults included.
      const command = [
        ...["care", "bench", "--model", opts.model, "--tasks", opts.tasks, "--out", opts.out],
        ...(opts.saveRun ? ["--save-run"] : []),
        ...(opts.overwrite ? ["--overwrite"] : []),
        ...(opts.batchSize ? ["--batch-size", String(opts.batchSize)] : []),
      ]
        .map(shellQuote)
        .join(" ");
      const tasks = findTasks(opts.tasks);
      const model = await loadBenchModel(opts.model, { batchSize: opts.batchSize });
      try {
        const outcomes = await runBench({
          model,
          tasks,
          out: opts.out,
          saveRun: opts.saveRun,
          overwrite: opts.overwrite,
          command,
        });
        const rows = outcomes.map(({ result: r, resumed }) => [
          r.task,
          r.type,
          r.main_metric,
          formatScore(r.main_score),
          resumed ? "(kept)" : `${r.duration_s.toFixed(1)}s`,
        ]);
        const header = ["task", "type", "metric", "score", "time"];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        const line = (cells: string[]) =>
          cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
        printResult(
          {
            model: model.name,
            out: opts.out,
            results: outcomes.map((o) => ({ ...o.result, file: o.file, resumed: o.resumed })),
          },
          [`model: ${model.name}`, line(header), ...rows.map(line), `results in ${opts.out}`].join("\n"),
        );
      } finally {
        await model.close?.();
      }
    });
}
