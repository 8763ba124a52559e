/** Quality against query latency, one labelled point per model, as a standalone SVG. */

export interface PlotPoint {
  label: string;
  latencyMs: number;
  score: number;
  /** Asymmetric CARE pairs are drawn as filled circles, symmetric models as squares. */
  asymmetric: boolean;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function qualityLatencySvg(points: readonly PlotPoint[], title: string): string {
  const W = 640;
  const H = 400;
  const pad = { l: 70, r: 30, t: 36, b: 50 };
  const xs = points.map((p) => p.latencyMs);
  const ys = points.map((p) => p.score);
  const span = (lo: number, hi: number) => (hi - lo > 1e-9 ? [lo, hi] : [lo - 0.5, hi + 0.5]);
  const [x0, x1] = span(0, Math.max(...xs) * 1.15);
  const yPad = (Math.max(...ys) - Math.min(...ys)) * 0.15 || 0.01;
  const [y0, y1] = span(Math.min(...ys) - yPad, Math.max(...ys) + yPad);
  const px = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const py = (y: number) => H - pad.b - ((y - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#444"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#444"/>`,
    ...ticks.map((f) => {
      const y = y0 + f * (y1 - y0);
      return `<text x="${pad.l - 6}" y="${py(y).toFixed(1)}" text-anchor="end" font-size="11">${y.toFixed(3)}</text>`;
    }),
    ...ticks.map((f) => {
      const x = x0 + f * (x1 - x0);
      return `<text x="${px(x).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle" font-size="11">${x.toFixed(2)}</text>`;
    }),
    `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">query latency, p50 ms (batch 1)</text>`,
    `<text x="16" y="${(pad.t + H - pad.b) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${(pad.t + H - pad.b) / 2})">mean main score</text>`,
  ];
  for (const p of points) {
    const x = px(p.latencyMs);
    const y = py(p.score);
    parts.push(
      p.asymmetric
        ? `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="5" fill="#08519c"/>`
        : `<rect x="${(x - 5).toFixed(1)}" y="${(y - 5).toFixed(1)}" width="10" height="10" fill="#cb181d"/>`,
      // Labels of points in the right half go to their left, so they stay inside the picture.
      x > W / 2
        ? `<text x="${(x - 8).toFixed(1)}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="11">${esc(p.label)}</text>`
        : `<text x="${(x + 8).toFixed(1)}" y="${(y + 4).toFixed(1)}" font-size="11">${esc(p.label)}</text>`,
    );
  }
  parts.push("</svg>", "");
  return parts.join("\n");
}
