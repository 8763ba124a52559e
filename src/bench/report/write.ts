import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { collectResults, type CollectOptions } from "./collect.js";
import { leaderboardHtml } from "./html.js";
import { buildLeaderboard, type Leaderboard } from "./leaderboard.js";
import { leaderboardMarkdown } from "./markdown.js";

/**
 * Reads every result under the folders given (care's, MTEB's, care's old layout) and writes
 * leaderboard.md and leaderboard.html into `out`, both from the one leaderboard.
 */
export function writeLeaderboard(
  roots: readonly string[],
  out: string,
  options: CollectOptions = {},
): { board: Leaderboard; notices: string[]; markdown: string; html: string } {
  const { records, notices } = collectResults(roots, options);
  const board = buildLeaderboard(records);
  const markdown = join(out, "leaderboard.md");
  const html = join(out, "leaderboard.html");
  writeFileAtomic(markdown, leaderboardMarkdown(board));
  writeFileAtomic(html, leaderboardHtml(board));
  return { board, notices, markdown, html };
}
