import { barChartSvg } from "../../util/chart.js";
import { escapeHtml } from "../../util/html.js";
import { formatScore, meanNote, missingLine, provenanceTable, type Leaderboard } from "./leaderboard.js";

/** A grouped bar chart, tasks along x and one bar per model in each group, as a standalone SVG. */
export function leaderboardSvg(board: Leaderboard): string {
  return barChartSvg(
    "Main score per task and model",
    board.tasks.map((t) => t.name),
    board.rows.map((row) => ({
      name: row.label,
      values: board.tasks.map((t) => {
        const v = row.scores.get(t.name);
        return typeof v === "number" ? Number((100 * v).toFixed(2)) : null;
      }),
    })),
    { yMax: 100, slantLabels: true },
  );
}

/** A self-contained page: the chart, the table of main scores, then missing tasks and provenance. */
export function leaderboardHtml(board: Leaderboard): string {
  const head = board.tasks
    .map(
      (t) =>
        `<th title="${escapeHtml(t.type)}, ${escapeHtml(t.metric)}">${escapeHtml(t.name)}<br><small>${escapeHtml(t.metric)}</small></th>`,
    )
    .join("");
  const body = board.rows
    .map(
      (row) =>
        `<tr><th scope="row">${escapeHtml(row.label)}</th>${board.tasks
          .map((t) => `<td>${formatScore(row.scores.get(t.name))}</td>`)
          .join("")}<td><b>${formatScore(row.mean)}</b></td></tr>`,
    )
    .join("\n");
  const list = (items: string[]) =>
    `<ul>\n${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("\n")}\n</ul>`;
  const missing = board.rows.filter((r) => r.missing.length > 0).map(missingLine);
  const prov = provenanceTable(board);
  const provHead = prov.headings.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const provBody = prov.rows
    .map((cells) => `<tr>${cells.map((c) => `<td class="t">${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>care leaderboard</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; margin-top: 1.5em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; }
td { text-align: right; font-variant-numeric: tabular-nums; }
td.t { text-align: left; white-space: pre-wrap; font-size: 0.85em; }
</style>
</head>
<body>
<h1>Leaderboard</h1>
<p>${escapeHtml(meanNote(board))}</p>
${leaderboardSvg(board)}
<table>
<thead><tr><th>model</th>${head}<th>mean</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
${board.unverified.length ? `<h2>Unverified columns</h2>\n${list(board.unverified)}` : ""}
${missing.length ? `<h2>Missing</h2>\n${list(missing)}` : ""}
<h2>Provenance</h2>
<p>Prompts show the input as {text}; length, pooling and width read query side / document side; data is the task content hash (care) or dataset revision (MTEB).</p>
<table>
<thead><tr>${provHead}</tr></thead>
<tbody>
${provBody}
</tbody>
</table>
</body>
</html>
`;
}
