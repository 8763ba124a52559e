import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../../core/errors.js";
import { readResult, type TaskResult } from "../result.js";

const TYPE_ORDER = ["retrieval", "reranking", "sts", "clustering"];

export interface LeaderboardTask {
  name: string;
  type: string;
  metric: string;
}

export interface LeaderboardRow {
  model: string;
  /** Main score per task name; null where undefined, absent where the model was not run. */
  scores: Map<string, number | null>;
  /** Mean over the tasks the model has a defined score for. */
  mean: number | null;
}

export interface Leaderboard {
  tasks: LeaderboardTask[];
  /** Best mean first. */
  rows: LeaderboardRow[];
}

/** Result files are `<dir>/<model-slug>/<task>.json`; other JSON files in the folder are ignored. */
export function collectResults(dir: string): TaskResult[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CareError("no such results folder", dir);
  const results: TaskResult[] = [];
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of readdirSync(join(dir, sub.name)).sort()) {
      if (!f.endsWith(".json")) continue;
      const r = readResult(join(dir, sub.name, f));
      if (r) results.push(r);
    }
  }
  if (results.length === 0) throw new CareError("no result files (<model>/<task>.json) found", dir);
  return results;
}

export function buildLeaderboard(results: readonly TaskResult[]): Leaderboard {
  const tasks = new Map<string, LeaderboardTask>();
  const rows = new Map<string, LeaderboardRow>();
  for (const r of results) {
    if (!tasks.has(r.task)) tasks.set(r.task, { name: r.task, type: r.type, metric: r.main_metric });
    let row = rows.get(r.model);
    if (!row) rows.set(r.model, (row = { model: r.model, scores: new Map(), mean: null }));
    row.scores.set(r.task, r.main_score);
  }
  for (const row of rows.values()) {
    const defined = [...row.scores.values()].filter((v): v is number => v !== null);
    row.mean = defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
  }
  const taskList = [...tasks.values()].sort(
    (a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || (a.name < b.name ? -1 : 1),
  );
  const rowList = [...rows.values()].sort((a, b) => (b.mean ?? -Infinity) - (a.mean ?? -Infinity));
  return { tasks: taskList, rows: rowList };
}

/** Scores shown ×100 with two decimals, as MTEB leaderboards do. */
export function formatScore(v: number | null | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "n/a";
  return (100 * v).toFixed(2);
}
