import { join } from "node:path";
import type { TrainResult } from "../train/trainer.js";

/** What a CARE training run leaves behind. */
export interface TrainOutcome {
  out: string;
  /** Trained checkpoint folders by role ("query", "doc", "model"). */
  models: Record<string, string>;
  steps: number;
  /** The step an interrupted run resumed from (0 when it started fresh). */
  resumedFrom: number;
  /** Mean loss of the first and of the last tenth of the run's logged steps. */
  firstLoss: number;
  lastLoss: number;
  examples: number;
  seconds: number;
  lossLog: string;
  lossPlot: string;
}

function meanLoss(xs: readonly { loss: number }[]): number {
  return xs.reduce((s, x) => s + x.loss, 0) / Math.max(1, xs.length);
}

export function outcome(
  out: string,
  models: Record<string, string>,
  r: TrainResult,
  examples: number,
  started: number,
): TrainOutcome {
  const tenth = Math.max(1, Math.floor(r.log.length / 10));
  return {
    out,
    models,
    steps: r.log.length ? r.log[r.log.length - 1].step : 0,
    resumedFrom: r.resumedFrom,
    firstLoss: meanLoss(r.log.slice(0, tenth)),
    lastLoss: meanLoss(r.log.slice(-tenth)),
    examples,
    seconds: (Date.now() - started) / 1000,
    lossLog: join(out, "loss.jsonl"),
    lossPlot: join(out, "loss.svg"),
  };
}
