import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { leaderboardHtml } from "./html.js";
import { buildLeaderboard, collectResults, type Leaderboard } from "./leaderboard.js";
import { leaderboardMarkdown } from "./markdown.js";

/** Reads every result under `results` and writes leaderboard.md and leaderboard.html into `out`. */
export function writeLeaderboard(
  results: string,
  out = results,
): { board: Leaderboard; markdown: string; html: string } {
  const board = buildLeaderboard(collectResults(results));
  const markdown = join(out, "leaderboard.md");
  const html = join(out, "leaderboard.html");
  writeFileAtomic(markdown, leaderboardMarkdown(board));
  writeFileAtomic(html, leaderboardHtml(board));
  return { board, markdown, html };
}
