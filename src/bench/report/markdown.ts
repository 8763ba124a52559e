import { formatScore, meanNote, provenanceLines, type Leaderboard } from "./leaderboard.js";

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
    for (const row of missing)
      lines.push(`- ${row.label}: ${row.missing.map((m) => `${m.task} (${m.reason})`).join("; ")}`);
  }
  const prov = provenanceLines(board);
  lines.push(
    "",
    "## Provenance",
    "",
    "Prompts show the input as `{text}`; length, pooling and width read query side / document side; data is the task content hash (care) or dataset revision (MTEB).",
    "",
    ...table(
      [
        "model",
        "task",
        "source",
        "data",
        "query prompt",
        "document prompt",
        "max length",
        "pooling",
        "dim",
        "weights sha256",
        "version",
        "commit",
        "command",
      ],
      prov.map((p) => [
        p.model,
        p.task,
        p.source,
        p.data,
        p.queryPrompt,
        p.documentPrompt,
        p.maxLength,
        p.pooling,
        p.dim,
        p.weights,
        p.version,
        p.commit,
        p.command,
      ]),
      () => false,
    ),
  );
  return lines.join("\n") + "\n";
}
