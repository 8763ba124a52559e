import { formatScore, meanNote, missingLine, provenanceTable, type Leaderboard } from "./leaderboard.js";

/** The leaderboard as Markdown: main scores, the tasks each model misses, and each result's provenance. */
export function leaderboardMarkdown(board: Leaderboard): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, "\\n");
  const table = (header: string[], rows: string[][], numeric: (i: number) => boolean) => [
    `| ${header.map(cell).join(" | ")} |`,
    `|${header.map((_, i) => (numeric(i) ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
  const header = ["model", ...board.tasks.map((t) => `${t.name} (${t.type}, ${t.metric})`), "mean"];
  const lines = [
    "# Leaderboard",
    "",
    meanNote(board),
    "",
    ...table(
      header,
      board.rows.map((row) => [
        row.label,
        ...board.tasks.map((t) => formatScore(row.scores.get(t.name))),
        formatScore(row.mean),
      ]),
      (i) => i > 0,
    ),
  ];
  if (board.unverified.length > 0)
    lines.push("", "## Unverified columns", "", ...board.unverified.map((u) => `- ${u}`));
  const missing = board.rows.filter((r) => r.missing.length > 0);
  if (missing.length > 0) {
    lines.push("", "## Missing", "");
    for (const row of missing) lines.push(`- ${missingLine(row)}`);
  }
  const prov = provenanceTable(board);
  lines.push(
    "",
    "## Provenance",
    "",
    "Prompts show the input as `{text}`; length, pooling and width read query side / document side; data is the task content hash (care) or dataset revision (MTEB).",
    "",
    ...table(prov.headings, prov.rows, () => false),
  );
  return lines.join("\n") + "\n";
}
