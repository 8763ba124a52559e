import { barChartSvg } from "../../util/chart.js";
import { escapeHtml } from "../../util/html.js";
import { formatScore, type Leaderboard } from "./leaderboard.js";

/** A grouped bar chart, tasks along x and one bar per model in each group, as a standalone SVG. */
export function leaderboardSvg(board: Leaderboard): string {
  return barChartSvg(
    "Main score per task and model",
    board.tasks.map((t) => t.name),
    board.rows.map((row) => ({
      name: row.model,
      values: board.tasks.map((t) => {
        const v = row.scores.get(t.name);
        return typeof v === "number" ? Number((100 * v).toFixed(2)) : null;
      }),
    })),
    { yMax: 100, slantLabels: true },
  );
}

/** A self-contained page: the chart, then the table of main scores. */
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
        `<tr><th scope="row">${escapeHtml(row.model)}</th>${board.tasks
          .map((t) => `<td>${formatScore(row.scores.get(t.name))}</td>`)
          .join("")}<td><b>${formatScore(row.mean)}</b></td></tr>`,
    )
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
</style>
</head>
<body>
<h1>Leaderboard</h1>
<p>Main score of each task × 100; the mean is over the tasks a model has a score for.</p>
${leaderboardSvg(board)}
<table>
<thead><tr><th>model</th>${head}<th>mean</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}
