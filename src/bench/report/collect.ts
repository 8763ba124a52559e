import type { ResultRow } from "../../models/model-readme.js";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../../core/errors.js";
import { loadTaskMeta } from "../../tasks/load.js";
import { MTEB_TASKS, type TaskInfo } from "../mteb-tasks.js";
import { MODEL_META_FILE, readResult, UnknownTaskError, type ResultRecord } from "../result.js";

export interface CollectOptions {
  /** Tasks that MTEB files may name: the C-MTEB ones and these task folders (which take precedence). */
  taskDirs?: string[];
  /** Pass over results of tasks no catalog knows (counted in a notice) instead of refusing them. */
  skipUnknown?: boolean;
}

export interface Collected {
  records: ResultRecord[];
  /** One line each: old-layout files read, unknown tasks passed over, other JSON files ignored. */
  notices: string[];
}

/** The C-MTEB tasks care knows, overridden by the task folders given. */
export function taskCatalog(taskDirs: readonly string[] = []): Map<string, TaskInfo> {
  const catalog = new Map(MTEB_TASKS);
  for (const dir of taskDirs) {
    const meta = loadTaskMeta(dir);
    catalog.set(meta.name, { type: meta.type, split: meta.split, main_metric: meta.main_score });
  }
  return catalog;
}

/**
 * Every result under the folders given, whatever their layout: care's and MTEB's
 * (`<model>/<revision>/<Task>.json`, the public results repository included) and care's old one
 * (`<model>/<task>.json`). JSON files of other shapes are counted and ignored.
 */
export function collectResults(roots: readonly string[], options: CollectOptions = {}): Collected {
  const catalog = taskCatalog(options.taskDirs);
  const records: ResultRecord[] = [];
  const unknown = new Set<string>();
  let ignored = 0;
  for (const root of roots) {
    if (!existsSync(root) || !statSync(root).isDirectory())
      throw new CareError("no such results folder", root);
    for (const file of jsonFiles(root)) {
      try {
        const r = readResult(file, catalog);
        if (r) records.push(r);
        else ignored++;
      } catch (e) {
        if (!(e instanceof UnknownTaskError && options.skipUnknown)) throw e;
        unknown.add(file);
      }
    }
  }
  if (records.length === 0) throw new CareError("no result files found", roots.join(", "));
  const notices: string[] = [];
  const legacy = records.filter((r) => r.source === "care-legacy").length;
  if (legacy > 0)
    notices.push(
      `${legacy} result file(s) in care's old layout (<out>/<model>/<task>.json) read; care bench now writes MTEB's (<out>/<model>/<revision>/<task>.json) with provenance`,
    );
  if (unknown.size > 0)
    notices.push(`${unknown.size} result file(s) of tasks care does not know passed over`);
  if (ignored > 0) notices.push(`${ignored} JSON file(s) that are not result files ignored`);
  return { records, notices };
}

/** JSON files under `dir` in name order, hidden folders and model_meta.json left out. */
function jsonFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...jsonFiles(path));
    else if (entry.name.endsWith(".json") && entry.name !== MODEL_META_FILE) files.push(path);
  }
  return files;
}

/** Main scores of the benchmark result files under a folder (any layout care report reads), by task. */
export function readResultRows(dir: string): ResultRow[] {
  return collectResults([dir])
    .records.map((r) => ({
      task: r.task,
      split: r.split,
      metric: r.mainMetric,
      score: r.scores[r.mainMetric] ?? r.scores.main_score ?? null,
    }))
    .sort((a, b) => a.task.localeCompare(b.task));
}
