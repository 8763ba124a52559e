import { formatScore, type Leaderboard } from "./leaderboard.js";

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A grouped bar chart, tasks along x and one bar per model in each group, as a standalone SVG. */
export function leaderboardSvg(board: Leaderboard): string {
  const models = board.rows.map((r) => r.model);
  const bar = 14;
  const gap = 18;
  const groupWidth = Math.max(Math.max(models.length, 1) * bar + gap, 48);
  const left = 48;
  const top = 16;
  const plotHeight = 240;
  const labelSpace = 120;
  const legendHeight = 20 * models.length + 10;
  // Task labels are rotated 40° and reach right of their group: leave room for the last one.
  const width = left + board.tasks.length * groupWidth + labelSpace;
  const height = top + plotHeight + labelSpace + legendHeight;
  const y = (v: number) => top + plotHeight - (plotHeight * Math.max(0, Math.min(100, v))) / 100;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="Main score per task and model">`,
  ];
  for (let t = 0; t <= 100; t += 20) {
    parts.push(
      `<line x1="${left}" x2="${left + board.tasks.length * groupWidth}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  board.tasks.forEach((task, ti) => {
    const x0 = left + ti * groupWidth + (groupWidth - models.length * bar) / 2;
    board.rows.forEach((row, mi) => {
      const v = row.scores.get(task.name);
      if (v === undefined || v === null) return;
      const h = top + plotHeight - y(100 * v);
      parts.push(
        `<rect x="${x0 + mi * bar}" y="${y(100 * v)}" width="${bar - 2}" height="${h}" fill="${PALETTE[mi % PALETTE.length]}"><title>${esc(row.model)} · ${esc(task.name)}: ${formatScore(v)}</title></rect>`,
      );
    });
    const cx = x0 + (models.length * bar) / 2;
    const ly = top + plotHeight + 10;
    parts.push(`<text x="${cx}" y="${ly}" transform="rotate(40 ${cx} ${ly})">${esc(task.name)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#333"/>`);
  models.forEach((m, mi) => {
    const ly = top + plotHeight + labelSpace + 20 * mi;
    parts.push(
      `<rect x="${left}" y="${ly}" width="12" height="12" fill="${PALETTE[mi % PALETTE.length]}"/>`,
      `<text x="${left + 18}" y="${ly + 10}">${esc(m)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** A self-contained page: the chart, then the table of main scores. */
export function leaderboardHtml(board: Leaderboard): string {
  const head = board.tasks
    .map(
      (t) =>
        `<th title="${esc(t.type)}, ${esc(t.metric)}">${esc(t.name)}<br><small>${esc(t.metric)}</small></th>`,
    )
    .join("");
  const body = board.rows
    .map(
      (row) =>
        `<tr><th scope="row">${esc(row.model)}</th>${board.tasks
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
