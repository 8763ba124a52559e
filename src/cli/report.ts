import type { Command } from "commander";
import { writeLeaderboard } from "../bench/report/write.js";

export function register(program: Command): void {
  program
    .command("report")
    .description("write leaderboard.md and leaderboard.html (chart of tasks × models) from a results folder")
    .argument("<results>", "results folder written by care bench")
    .option("--out <dir>", "where to write the leaderboard (default: the results folder)")
    .action((results: string, opts: { out?: string }) => {
      const { board, markdown, html } = writeLeaderboard(results, opts.out);
      process.stdout.write(
        `${board.rows.length} models × ${board.tasks.length} tasks\nwrote ${markdown}\nwrote ${html}\n`,
      );
    });
}
