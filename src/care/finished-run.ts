import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TRAINING_CARD } from "../train/st-folder.js";

export interface RunSettings {
  steps: number;
  lr: number;
  batchSize: number;
  /** The training file (a run on other data is trained again); unchecked when absent. */
  data?: string;
}

/**
 * Whether `dir` holds a finished run with these settings, as its training card records them (a
 * changed run is trained again, so a rerun resumes where it stopped).
 */
export function trained(dir: string, s: RunSettings): boolean {
  const file = join(dir, TRAINING_CARD);
  if (!existsSync(file)) return false;
  const card = JSON.parse(readFileSync(file, "utf8")) as {
    final_step?: number;
    lr?: number;
    batch_size?: number;
    data?: string;
  };
  return (
    card.final_step === s.steps &&
    card.lr === s.lr &&
    card.batch_size === s.batchSize &&
    (s.data === undefined || card.data === resolve(s.data))
  );
}
