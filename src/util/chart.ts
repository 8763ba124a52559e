import { escapeHtml } from "./html.js";

/**
 * Every chart the product draws (leaderboards, curation reports, loss curves, quality against
 * latency), as standalone inline SVG: no scripts or external assets, so a report opens offline and a
 * test can read its numbers back from the markup. One axis and legend style, one palette.
 */

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** The smallest of 1, 2, 2.5, 5, 10 × a power of ten that is at least v: readable axis maxima. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function svgOpen(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img" aria-label="${escapeHtml(title)}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`,
  ];
}

function legend(
  names: readonly string[],
  x: number,
  y: number,
  width: number,
  color: (i: number) => string = seriesColor,
): string[] {
  if (names.length < 2) return [];
  const step = Math.floor(width / names.length);
  return names.flatMap((name, i) => [
    `<rect x="${x + i * step}" y="${y}" width="10" height="10" fill="${color(i)}"/>`,
    `<text x="${x + i * step + 14}" y="${y + 9}" font-size="11">${escapeHtml(name)}</text>`,
  ]);
}

export interface BarSeries {
  name: string;
  /** One value per category; null leaves the bar out. */
  values: (number | null | undefined)[];
}

export interface BarChartOptions {
  xLabel?: string;
  /** Fixed top of the y axis (e.g. 100 for scores); the default rounds the largest value up. */
  yMax?: number;
  /** Slant category labels, for long names such as task names. */
  slantLabels?: boolean;
}

/** Grouped vertical bars: one group per category, one bar per series, with a legend and a y axis. */
export function barChartSvg(
  title: string,
  categories: readonly string[],
  series: readonly BarSeries[],
  o: BarChartOptions = {},
): string {
  const labelSpace = o.slantLabels ? 110 : 30;
  const width = Math.max(360, 80 + categories.length * (series.length * 14 + 16) + (o.slantLabels ? 80 : 0));
  const left = 48;
  const top = 36;
  const plotW = width - left - (o.slantLabels ? 96 : 16);
  const plotH = 200;
  const height = top + plotH + labelSpace + (o.xLabel ? 16 : 0) + (series.length > 1 ? 20 : 0);
  const values = series.flatMap((s) => s.values.filter((v): v is number => typeof v === "number"));
  const max = o.yMax ?? niceMax(Math.max(0, ...values));
  const groupW = plotW / Math.max(1, categories.length);
  const barW = Math.max(2, Math.min(24, (groupW - 8) / Math.max(1, series.length)));
  const y = (v: number) => top + plotH - (plotH * Math.max(0, Math.min(max, v))) / max;
  const parts = svgOpen(width, height, title);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${Number(v.toPrecision(3))}</text>`,
    );
  }
  categories.forEach((c, ci) => {
    const gx = left + ci * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (typeof v !== "number") return;
      parts.push(
        `<rect x="${gx + si * barW}" y="${y(v)}" width="${barW - 1}" height="${top + plotH - y(v)}" fill="${seriesColor(si)}"><title>${escapeHtml(`${s.name} · ${c}: ${v}`)}</title></rect>`,
      );
    });
    const cx = left + ci * groupW + groupW / 2;
    const ly = top + plotH + 14;
    parts.push(
      o.slantLabels
        ? `<text x="${cx}" y="${ly}" font-size="11" transform="rotate(40 ${cx} ${ly})">${escapeHtml(c)}</text>`
        : `<text x="${cx}" y="${ly}" text-anchor="middle" font-size="11">${escapeHtml(c)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`);
  if (o.xLabel) {
    parts.push(
      `<text x="${left + plotW / 2}" y="${top + plotH + labelSpace}" text-anchor="middle" font-size="11">${escapeHtml(o.xLabel)}</text>`,
    );
  }
  parts.push(
    ...legend(
      series.map((s) => s.name),
      left,
      height - 14,
      width - left,
    ),
  );
  parts.push("</svg>");
  return parts.join("\n");
}

/** A labelled square matrix, cells shaded from white (≤ 0) to blue (1); null cells stay grey. */
export function heatmapSvg(title: string, labels: readonly string[], values: (number | null)[][]): string {
  const cell = 64;
  const left = 110;
  const top = 40;
  const width = left + cell * labels.length + 16;
  const height = top + cell * labels.length + 90;
  const parts = svgOpen(width, height, title);
  labels.forEach((l, i) => {
    const cx = left + i * cell + cell / 2;
    const ly = top + labels.length * cell + 12;
    parts.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeHtml(l)}</text>`,
      // Column labels slanted, so long judge names do not run into each other.
      `<text x="${cx}" y="${ly}" text-anchor="end" font-size="11" transform="rotate(-35 ${cx} ${ly})">${escapeHtml(l)}</text>`,
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

/** A linear map from [lo, hi] onto pixels; a flat range is widened so nothing divides by zero. */
function scale(lo: number, hi: number, from: number, to: number): (v: number) => number {
  const [a, b] = hi - lo > 1e-12 ? [lo, hi] : [lo - 0.5, hi + 0.5];
  return (v) => from + ((v - a) / (b - a)) * (to - from);
}

interface Frame {
  parts: string[];
  px: (x: number) => number;
  py: (y: number) => number;
}

const W = 640;
const H = 400;
const PAD = { l: 70, r: 30, t: 36, b: 50 };

/** Axes with five ticks each and their labels, shared by the line and scatter charts. */
function frame(
  title: string,
  [x0, x1]: [number, number],
  [y0, y1]: [number, number],
  xLabel: string,
  yLabel: string,
): Frame {
  const px = scale(x0, x1, PAD.l, W - PAD.r);
  const py = scale(y0, y1, H - PAD.b, PAD.t);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    ...svgOpen(W, H, title),
    `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#444"/>`,
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#444"/>`,
    ...ticks.map((f) => {
      const v = y0 + f * (y1 - y0);
      return `<text x="${PAD.l - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${Number(v.toPrecision(3))}</text>`;
    }),
    ...ticks.map((f) => {
      const v = x0 + f * (x1 - x0);
      return `<text x="${px(v).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle" font-size="11">${Number(v.toPrecision(3))}</text>`;
    }),
    `<text x="${(PAD.l + W - PAD.r) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`,
    `<text x="16" y="${(PAD.t + H - PAD.b) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${(PAD.t + H - PAD.b) / 2})">${escapeHtml(yLabel)}</text>`,
  ];
  return { parts, px, py };
}

export interface LineSeries {
  name: string;
  points: readonly { x: number; y: number }[];
  /** A thin, light line: raw values drawn under their smoothed version. */
  faint?: boolean;
}

/** Lines over a shared x axis (loss curves); non-finite points are left out. */
export function lineChartSvg(
  title: string,
  series: readonly LineSeries[],
  xLabel: string,
  yLabel: string,
): string {
  const pts = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const f = frame(
    title,
    [Math.min(0, ...xs), Math.max(1, ...xs)],
    [Math.min(0, ...ys), Math.max(1e-9, ...ys)],
    xLabel,
    yLabel,
  );
  const stroke = (i: number) => (series[i].faint ? "#9ecae1" : seriesColor(i));
  series.forEach((s, i) => {
    const points = s.points
      .filter((p) => Number.isFinite(p.y))
      .map((p) => `${f.px(p.x).toFixed(1)},${f.py(p.y).toFixed(1)}`)
      .join(" ");
    f.parts.push(
      `<polyline fill="none" stroke="${stroke(i)}" stroke-width="${s.faint ? 1 : 2}" points="${points}"><title>${escapeHtml(s.name)}</title></polyline>`,
    );
  });
  f.parts.push(
    ...legend(
      series.map((s) => s.name),
      PAD.l,
      PAD.t - 12,
      W - PAD.l - PAD.r,
      stroke,
    ),
  );
  f.parts.push("</svg>", "");
  return f.parts.join("\n");
}

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  /** Drawn as a filled circle; other points are squares (e.g. asymmetric against symmetric models). */
  circle: boolean;
}

/** Labelled points (quality against latency); the x axis starts at zero. */
export function scatterSvg(
  title: string,
  points: readonly ScatterPoint[],
  xLabel: string,
  yLabel: string,
): string {
  const ys = points.map((p) => p.y);
  const yPad = (Math.max(...ys) - Math.min(...ys)) * 0.15 || 0.01;
  const f = frame(
    title,
    [0, Math.max(...points.map((p) => p.x)) * 1.15],
    [Math.min(...ys) - yPad, Math.max(...ys) + yPad],
    xLabel,
    yLabel,
  );
  for (const p of points) {
    const x = f.px(p.x);
    const y = f.py(p.y);
    f.parts.push(
      p.circle
        ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="#08519c"/>`
        : `<rect x="${(x - 5).toFixed(1)}" y="${(y - 5).toFixed(1)}" width="10" height="10" fill="#cb181d"/>`,
      // Labels of points in the right half go to their left, so they stay inside the picture.
      x > W / 2
        ? `<text x="${(x - 8).toFixed(1)}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11">${escapeHtml(p.label)}</text>`
        : `<text x="${(x + 8).toFixed(1)}" y="${(y + 4).toFixed(1)}" font-size="11">${escapeHtml(p.label)}</text>`,
    );
  }
  f.parts.push("</svg>", "");
  return f.parts.join("\n");
}

export interface IntervalBar {
  label: string;
  value: number;
  /** Lower and upper end of the interval drawn as a whisker (none when null). */
  ci: [number, number] | null;
}

/** Horizontal bars, one labelled row each, with an interval whisker over each bar. */
export function intervalBarsSvg(title: string, bars: readonly IntervalBar[], xLabel: string): string {
  const width = 640;
  const rowH = 26;
  const left = 190;
  const right = 40;
  const top = 36;
  const bottom = 40;
  const height = top + bottom + rowH * bars.length;
  const max = niceMax(Math.max(0, ...bars.map((b) => Math.max(b.value, b.ci?.[1] ?? b.value))));
  const x = (v: number) => left + (Math.max(0, Math.min(max, v)) / max) * (width - left - right);
  const parts = svgOpen(width, height, title);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#444"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(
      `<text x="${x(v).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11">${Number(v.toFixed(2))}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`,
  );
  bars.forEach((b, i) => {
    const y = top + i * rowH + 4;
    const mid = y + (rowH - 10) / 2;
    parts.push(
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end" font-size="12">${escapeHtml(b.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${(x(b.value) - left).toFixed(1)}" height="${rowH - 10}" fill="${seriesColor(0)}"/>`,
    );
    if (b.ci) {
      const [lo, hi] = b.ci.map(x);
      parts.push(
        `<line x1="${lo.toFixed(1)}" y1="${mid}" x2="${hi.toFixed(1)}" y2="${mid}" stroke="#222" stroke-width="2"/>`,
        `<line x1="${lo.toFixed(1)}" y1="${mid - 5}" x2="${lo.toFixed(1)}" y2="${mid + 5}" stroke="#222" stroke-width="2"/>`,
        `<line x1="${hi.toFixed(1)}" y1="${mid - 5}" x2="${hi.toFixed(1)}" y2="${mid + 5}" stroke="#222" stroke-width="2"/>`,
      );
    }
  });
  parts.push("</svg>", "");
  return parts.join("\n");
}
