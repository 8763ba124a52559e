/** Small inline-SVG charts for the curation report: no scripts, no external assets, readable offline. */

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface BarSeries {
  name: string;
  values: number[];
}

/** Grouped vertical bars: one group per category, one bar per series, with a legend and a y axis. */
export function barChartSvg(title: string, categories: string[], series: BarSeries[], xLabel = ""): string {
  const width = Math.max(360, 60 + categories.length * (series.length * 14 + 16));
  const height = 260;
  const left = 48;
  const top = 36;
  const bottom = 46;
  const plotW = width - left - 16;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.max(2, Math.min(24, (groupW - 8) / Math.max(1, series.length)));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = top + plotH - (plotH * i) / 4;
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${left - 4}" y="${y + 4}" text-anchor="end" font-size="10">${Number(v.toPrecision(3))}</text>`,
    );
  }
  categories.forEach((c, ci) => {
    const gx = left + ci * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const h = (plotH * v) / max;
      parts.push(
        `<rect x="${gx + si * barW}" y="${top + plotH - h}" width="${barW - 1}" height="${h}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${s.name} · ${c}: ${v}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${left + ci * groupW + groupW / 2}" y="${top + plotH + 14}" text-anchor="middle" font-size="11">${escapeXml(c)}</text>`,
    );
  });
  if (xLabel) {
    parts.push(
      `<text x="${left + plotW / 2}" y="${height - 18}" text-anchor="middle" font-size="11">${escapeXml(xLabel)}</text>`,
    );
  }
  if (series.length > 1) {
    series.forEach((s, si) => {
      const x = left + si * Math.floor(plotW / series.length);
      parts.push(
        `<rect x="${x}" y="${height - 12}" width="10" height="10" fill="${PALETTE[si % PALETTE.length]}"/>`,
        `<text x="${x + 14}" y="${height - 3}" font-size="11">${escapeXml(s.name)}</text>`,
      );
    });
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** A labelled square matrix, cells shaded from white (≤ 0) to blue (1); null cells stay grey. */
export function heatmapSvg(title: string, labels: string[], values: (number | null)[][]): string {
  const cell = 64;
  const left = 110;
  const top = 40;
  const width = left + cell * labels.length + 16;
  const height = top + cell * labels.length + 90;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  labels.forEach((l, i) => {
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeXml(l)}</text>`,
      // Column labels slanted, so long judge names do not run into each other.
      `<text x="${left + i * cell + cell / 2}" y="${top + labels.length * cell + 12}" text-anchor="end" font-size="11" transform="rotate(-35 ${left + i * cell + cell / 2} ${top + labels.length * cell + 12})">${escapeXml(l)}</text>`,
    );
    labels.forEach((_, j) => {
      const v = values[i][j];
      const t = v === null ? 0 : Math.max(0, Math.min(1, v));
      const fill =
        v === null
          ? "#eee"
          : `rgb(${Math.round(255 - 224 * t)},${Math.round(255 - 136 * t)},${Math.round(255 - 75 * t)})`;
      parts.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${fill}"/>`,
        `<text x="${left + j * cell + cell / 2 - 1}" y="${top + i * cell + cell / 2 + 4}" text-anchor="middle" font-size="12" fill="${t > 0.6 ? "#fff" : "#222"}">${v === null ? "–" : v.toFixed(3)}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
