import { join } from "node:path";
import type { Command } from "commander";
import { buildLeaderboard, collectResults } from "../bench/report/leaderboard.js";
import { leaderboardHtml } from "../bench/report/html.js";
import { leaderboardMarkdown } from "../bench/report/markdown.js";
import { writeFileAtomic } from "../util/atomic.js";

export function register(program: Command): void {
  program
    .command("report")
    .description("write leaderboard.md and leaderboard.html (chart of tasks × models) from a results folder")
    .argument("<results>", "results folder written by care bench")
    .option("--out <dir>", "where to write the leaderboard (default: the results folder)")
    .action((results: string, opts: { out?: string }) => {
      const board = buildLeaderboard(collectResults(results));
      const out = opts.out ?? results;
      const md = join(out, "leaderboard.md");
      const html = join(out, "leaderboard.html");
      writeFileAtomic(md, leaderboardMarkdown(board));
      writeFileAtomic(html, leaderboardHtml(board));
      process.stdout.write(
        `${board.rows.length} models × ${board.tasks.length} tasks\nwrote ${md}\nwrote ${html}\n`,
      );
    });
}
