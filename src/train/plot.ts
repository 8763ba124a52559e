import { lineChartSvg } from "../util/chart.js";

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
  const smoothed = smooth(points.map((p) => p.loss));
  return lineChartSvg(
    title,
    [
      { name: "loss", points: points.map((p) => ({ x: p.step, y: p.loss })), faint: true },
      { name: "moving average", points: points.map((p, i) => ({ x: p.step, y: smoothed[i] })) },
    ],
    "step",
    "loss",
  );
}
