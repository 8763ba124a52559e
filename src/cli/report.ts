import type { Command } from "commander";
import { findTasks } from "../tasks/load.js";
import { writeLeaderboard } from "../bench/report/write.js";
import { printResult } from "./output.js";

interface ReportOptions {
  out?: string;
  tasks?: string;
  skipUnknown?: boolean;
}

export function register(program: Command): void {
  program
    .command("report")
    .description(
      "write leaderboard.md and leaderboard.html (chart, scores, missing tasks, provenance) from results folders: care's and official MTEB ones alike",
    )
    .argument(
      "<results...>",
      "results folders (care bench output, MTEB result folders, the MTEB results repository)",
    )
    .option("--out <dir>", "where to write the leaderboard (default: the first results folder)")
    .option(
      "--tasks <dirs>",
      "task folders that MTEB result files may name besides the C-MTEB tasks, comma-separated",
    )
    .option("--skip-unknown", "pass over results of tasks care does not know instead of refusing them")
    .action((results: string[], opts: ReportOptions) => {
      const { board, notices, markdown, html } = writeLeaderboard(results, opts.out ?? results[0], {
        taskDirs: opts.tasks ? findTasks(opts.tasks) : [],
        skipUnknown: opts.skipUnknown,
      });
      for (const n of [...notices, ...board.unverified.map((u) => `unverified column: ${u}`)])
        process.stderr.write(`care: ${n}\n`);
      printResult(
        { models: board.rows.length, tasks: board.tasks.length, common: board.common.length, markdown, html },
        `${board.rows.length} models × ${board.tasks.length} tasks (${board.common.length} common to all)\nwrote ${markdown}\nwrote ${html}`,
      );
    });
}
