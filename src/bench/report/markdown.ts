import { formatScore, type Leaderboard } from "./leaderboard.js";

/** The leaderboard as a markdown table: one row per model, one column per task (main score × 100). */
export function leaderboardMarkdown(board: Leaderboard): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const header = ["model", ...board.tasks.map((t) => `${t.name} (${t.type}, ${t.metric})`), "mean"];
  const lines = [
    "# Leaderboard",
    "",
    "Main score of each task × 100; the mean is over the tasks a model has a score for.",
    "",
    `| ${header.map(cell).join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ];
  for (const row of board.rows) {
    const cells = [
      row.model,
      ...board.tasks.map((t) => formatScore(row.scores.get(t.name))),
      formatScore(row.mean),
    ];
    lines.push(`| ${cells.map(cell).join(" | ")} |`);
  }
  return lines.join("\n") + "\n";
}
