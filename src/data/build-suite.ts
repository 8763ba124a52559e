import { join, resolve } from "node:path";
import { writeClusteringTask, writeRankingTask, writeStsTask } from "../tasks/write.js";
import { assembleSuite } from "./suite.js";
import type { SuiteTask } from "./suite-task.js";

export interface BuildSuiteOptions {
  /** The data folder (../shared/data layout). */
  from: string;
  /** Where the task folders go, one per task, named after the task. */
  out: string;
}

export interface SuiteTaskSummary {
  name: string;
  type: SuiteTask["meta"]["type"];
  dir: string;
  /** queries / documents / qrels / candidates, or pairs, or items and labels. */
  counts: Record<string, number>;
  note: string;
}

export interface SuiteSummary {
  out: string;
  tasks: SuiteTaskSummary[];
  /** Rows the parsers could not read, with file, line and reason. */
  skipped: { file: string; line: number; reason: string }[];
  durationS: number;
}

/**
 * Builds CMedTEB-lite: reads the sources under `from`, writes one task folder per task under `out`
 * (every file atomically, task.json last) and returns what was written. Ids are content hashes, so a
 * rebuild writes identical files.
 */
export async function buildSuite(options: BuildSuiteOptions): Promise<SuiteSummary> {
  const start = Date.now();
  const out = resolve(options.out);
  const suite = await assembleSuite(options.from);
  const tasks: SuiteTaskSummary[] = [];
  for (const t of suite.tasks) {
    const dir = join(out, t.meta.name);
    if ("data" in t) writeRankingTask(dir, t.meta, t.data);
    else if ("pairs" in t) writeStsTask(dir, t.meta, t.pairs);
    else writeClusteringTask(dir, t.meta, t.items);
    tasks.push({
      name: t.meta.name,
      type: t.meta.type,
      dir,
      counts: countsOf(t),
      note: suite.notes[t.meta.name] ?? "",
    });
  }
  return { out, tasks, skipped: suite.skips.entries, durationS: (Date.now() - start) / 1000 };
}

export function countsOf(t: SuiteTask): Record<string, number> {
  if ("data" in t) {
    const c: Record<string, number> = {
      queries: t.data.queries.length,
      documents: t.data.corpus.length,
      qrels: [...t.data.qrels.values()].reduce((s, m) => s + m.size, 0),
    };
    if (t.data.candidates) c.candidates = [...t.data.candidates.values()].reduce((s, l) => s + l.length, 0);
    return c;
  }
  if ("pairs" in t) return { pairs: t.pairs.length };
  return { items: t.items.length, labels: new Set(t.items.map((i) => i.label)).size };
}

/** The summary as the CLI prints it: one line per task, then the skipped rows. */
export function formatSuiteSummary(s: SuiteSummary, maxSkips = 20): string {
  const lines = [`CMedTEB-lite: ${s.tasks.length} tasks in ${s.out} (${s.durationS.toFixed(1)}s)`];
  const width = Math.max(...s.tasks.map((t) => t.name.length));
  for (const t of s.tasks) {
    const counts = Object.entries(t.counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(", ");
    lines.push(`  ${t.name.padEnd(width)}  ${t.type.padEnd(10)} ${counts}${t.note ? `  [${t.note}]` : ""}`);
  }
  lines.push(`skipped rows: ${s.skipped.length}`);
  for (const e of s.skipped.slice(0, maxSkips)) lines.push(`  ${e.file}:${e.line}: ${e.reason}`);
  if (s.skipped.length > maxSkips) lines.push(`  ... and ${s.skipped.length - maxSkips} more`);
  return lines.join("\n");
}
