import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import type { TaskType } from "../core/task.js";

/** One result file: one task evaluated with one model (MTEB's result, flattened). */
export interface TaskResult {
  task: string;
  model: string;
  split: string;
  type: TaskType;
  /** Name of the score `main_score` holds. */
  main_metric: string;
  /** Every metric; an undefined correlation (a constant side) is stored as null. */
  scores: Record<string, number | null>;
  main_score: number | null;
  n_queries: number;
  n_docs: number;
  duration_s: number;
  evaluated_at: string;
}

/** A model name as a folder name: anything outside [A-Za-z0-9._-] becomes "_". */
export function modelSlug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[_.]+|_+$/g, "") || "model";
}

export function resultPath(out: string, model: string, task: string): string {
  return join(out, modelSlug(model), `${task}.json`);
}

/** A result file, or undefined for a JSON file of another shape (a results folder may hold others). */
export function readResult(file: string): TaskResult | undefined {
  if (!existsSync(file)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CareError(`malformed JSON: ${(e as Error).message}`, file);
  }
  const r = v as Partial<TaskResult> | null;
  if (
    !r ||
    typeof r !== "object" ||
    typeof r.task !== "string" ||
    typeof r.model !== "string" ||
    typeof r.scores !== "object" ||
    r.scores === null ||
    !("main_score" in r)
  )
    return undefined;
  return r as TaskResult;
}
