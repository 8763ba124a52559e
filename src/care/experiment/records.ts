/** The experiment's kept evaluations: what each was made from, so a changed input makes it stale. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TRAINING_CARD } from "../../train/st-folder.js";
import type { ExperimentConfig } from "./config.js";

/**
 * What a kept evaluation was made from — the settings and the training records of the folders the spec
 * names — so that a retrained model or changed settings make it stale instead of silently reused.
 */
export function evaluationStamp(c: ExperimentConfig, spec: string): string {
  const dirs = spec.replace(/^(hf|care):/, "").split(",");
  const cards = dirs.map((d) => {
    const f = join(d, TRAINING_CARD);
    return existsSync(f) ? readFileSync(f, "utf8") : "";
  });
  return createHash("sha256").update(JSON.stringify({ c, spec, cards })).digest("hex");
}

export function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : undefined;
}
