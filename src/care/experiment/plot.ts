import { scatterSvg } from "../../util/chart.js";

/** Quality against query latency, one labelled point per model, as a standalone SVG. */

export interface PlotPoint {
  label: string;
  latencyMs: number;
  score: number;
  /** Asymmetric CARE pairs are drawn as filled circles, symmetric models as squares. */
  asymmetric: boolean;
}

export function qualityLatencySvg(points: readonly PlotPoint[], title: string): string {
  return scatterSvg(
    title,
    points.map((p) => ({ label: p.label, x: p.latencyMs, y: p.score, circle: p.asymmetric })),
    "query latency, p50 ms (batch 1)",
    "headline mean (points)",
  );
}
