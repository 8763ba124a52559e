/** The loss curve as a standalone SVG: raw loss per step and an exponential moving average. */

export interface LossPoint {
  step: number;
  loss: number;
}

/** Exponential moving average with bias correction (as TensorBoard's smoothing). */
export function smooth(values: readonly number[], weight = 0.9): number[] {
  let acc = 0;
  return values.map((v, i) => {
    acc = acc * weight + (1 - weight) * v;
    return acc / (1 - Math.pow(weight, i + 1));
  });
}

export function lossCurveSvg(points: readonly LossPoint[], title = "training loss"): string {
  const W = 640;
  const H = 360;
  const pad = { l: 60, r: 20, t: 30, b: 40 };
  const xs = points.map((p) => p.step);
  const ys = points.map((p) => p.loss).filter(Number.isFinite);
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, x0 + 1);
  const y0 = Math.min(...ys, 0);
  const y1 = Math.max(...ys, y0 + 1e-9);
  const px = (x: number): number => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const py = (y: number): number => H - pad.b - ((y - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const line = (vals: readonly number[]): string =>
    points.map((p, i) => `${px(p.step).toFixed(1)},${py(vals[i]).toFixed(1)}`).join(" ");
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = y0 + f * (y1 - y0);
    return `<text x="${pad.l - 6}" y="${py(y).toFixed(1)}" text-anchor="end" font-size="11">${y.toPrecision(3)}</text>`;
  });
  const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#444"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#444"/>`,
    ...ticks,
    `<text x="${pad.l}" y="${H - 20}" font-size="11">${x0}</text>`,
    `<text x="${W - pad.r}" y="${H - 20}" text-anchor="end" font-size="11">step ${x1}</text>`,
    `<polyline fill="none" stroke="#9ecae1" stroke-width="1" points="${line(points.map((p) => p.loss))}"/>`,
    `<polyline fill="none" stroke="#08519c" stroke-width="2" points="${line(smooth(points.map((p) => p.loss)))}"/>`,
    `</svg>`,
    "",
  ].join("\n");
}
