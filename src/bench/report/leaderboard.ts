import { CareError } from "../../core/errors.js";
import { mainScoreOf, type ResultRecord } from "../result.js";

const TYPE_ORDER = ["retrieval", "reranking", "sts", "clustering"];

export interface LeaderboardTask {
  name: string;
  type: string;
  split: string;
  /** The metric of the column: the task's main metric. */
  metric: string;
}

export interface MissingTask {
  task: string;
  reason: string;
}

export interface LeaderboardRow {
  /** The model's name, with its revision where the board holds several revisions of it. */
  label: string;
  model: string;
  revision: string;
  /** Main score per task name; null where undefined (n/a). A task the row has no score of is absent. */
  scores: Map<string, number | null>;
  /** Tasks of the board this row has no score for, and why. */
  missing: MissingTask[];
  /** Mean over the board's common tasks; null when there are none. */
  mean: number | null;
  records: ResultRecord[];
}

export interface Leaderboard {
  tasks: LeaderboardTask[];
  /** Best mean first. */
  rows: LeaderboardRow[];
  /** Tasks every row has a defined score for: the only ones a mean is taken over. */
  common: string[];
  /** Columns whose results care cannot check were scored on the same data, one line each. */
  unverified: string[];
}

/**
 * One leaderboard over results of any source. A column holds one task's main metric, on one split and
 * one version of the data: results of different task data (care's content hashes, or MTEB's dataset
 * revisions), of different splits, or two results of one model on one task are refused with both files
 * named. Means are over the tasks every model has a score for, never over different sets of tasks.
 */
export function buildLeaderboard(records: readonly ResultRecord[]): Leaderboard {
  const columns = new Map<string, { task: LeaderboardTask; first: ResultRecord; records: ResultRecord[] }>();
  for (const r of records) {
    const col = columns.get(r.task);
    if (!col) {
      columns.set(r.task, {
        task: { name: r.task, type: r.type, split: r.split, metric: r.mainMetric },
        first: r,
        records: [r],
      });
      continue;
    }
    checkSameTask(col.records, r);
    col.records.push(r);
    // The task folder's main metric decides the column where care's own results give it.
    if (r.source === "care" && col.first.source !== "care") col.task.metric = r.mainMetric;
  }

  const rows = new Map<string, LeaderboardRow>();
  for (const r of records) {
    const key = `${r.model}\0${r.revision}`;
    let row = rows.get(key);
    if (!row)
      rows.set(
        key,
        (row = {
          label: r.model,
          model: r.model,
          revision: r.revision,
          scores: new Map(),
          missing: [],
          mean: null,
          records: [],
        }),
      );
    const twin = row.records.find((x) => x.task === r.task);
    if (twin)
      throw new CareError(
        `two results of ${r.model} (revision ${r.revision}) on ${r.task}: ${twin.file} and ${r.file}; remove one`,
      );
    row.records.push(r);
  }

  const tasks = [...columns.values()]
    .map((c) => c.task)
    .sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || (a.name < b.name ? -1 : 1));
  for (const row of rows.values()) {
    for (const t of tasks) {
      const r = row.records.find((x) => x.task === t.name);
      if (!r) {
        row.missing.push({ task: t.name, reason: "not evaluated" });
        continue;
      }
      const v = mainScoreOf(r, t.metric);
      if (v === undefined) {
        row.missing.push({ task: t.name, reason: absentMetric(r, t.metric) });
        continue;
      }
      row.scores.set(t.name, v);
      if (v === null) row.missing.push({ task: t.name, reason: `${t.metric} undefined (n/a) in ${r.file}` });
    }
  }
  const rowList = [...rows.values()];
  const common = tasks
    .map((t) => t.name)
    .filter((name) => rowList.every((row) => typeof row.scores.get(name) === "number"));
  for (const row of rowList) {
    row.mean = common.length
      ? common.reduce((s, name) => s + (row.scores.get(name) as number), 0) / common.length
      : null;
    if (rowList.some((o) => o !== row && o.model === row.model)) row.label = `${row.model} @ ${row.revision}`;
  }
  rowList.sort(
    (a, b) =>
      (b.mean ?? -Infinity) - (a.mean ?? -Infinity) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  );
  const unverified = [...columns.values()].flatMap(({ task, records: rs }) => {
    const hashedOnly = rs.filter((r) => r.taskHash && !r.datasetRevision);
    const revisions = [...new Set(rs.map((r) => r.datasetRevision).filter((x): x is string => x !== null))];
    if (hashedOnly.length === 0 || revisions.length === 0) return [];
    return [
      `${task.name}: care's results on task data ${hashedOnly[0].taskHash!.slice(0, 12)}… (its task.json declares no dataset_revision) share the column with results on dataset revision ${revisions.join(", ")}; care cannot check that the data are the same`,
    ];
  });
  return { tasks, rows: rowList, common, unverified };
}

/** Two results may share a column only when they score the same data the same way. */
function checkSameTask(column: readonly ResultRecord[], r: ResultRecord): void {
  for (const other of column) {
    const both = `${other.file} and ${r.file}`;
    if (other.type !== r.type)
      throw new CareError(
        `${r.task} is a ${other.type} task in ${other.file} but a ${r.type} task in ${r.file}`,
      );
    if (other.split !== r.split)
      throw new CareError(
        `${r.task} is scored on split "${other.split}" in ${other.file} but "${r.split}" in ${r.file}`,
      );
    if (other.taskHash && r.taskHash && other.taskHash !== r.taskHash)
      throw new CareError(
        `${r.task} was scored on different data in ${both} (task hashes ${other.taskHash.slice(0, 12)}… and ${r.taskHash.slice(0, 12)}…); evaluate both models on the same task folder`,
      );
    if (other.datasetRevision && r.datasetRevision && other.datasetRevision !== r.datasetRevision)
      throw new CareError(
        `${r.task} was scored on different dataset revisions in ${both} (${other.datasetRevision} and ${r.datasetRevision})`,
      );
  }
}

function absentMetric(r: ResultRecord, metric: string): string {
  const why = `no ${metric} in ${r.file}`;
  if (metric === "map_at_1000" && "map" in r.scores)
    return `${why}: it has "map", MTEB < 2's reranking MAP (scikit-learn average precision per candidate list), another definition`;
  return why;
}

/** A model's missing tasks with their reasons, one line in both reports. */
export function missingLine(row: LeaderboardRow): string {
  return `${row.label}: ${row.missing.map((m) => `${m.task} (${m.reason})`).join("; ")}`;
}

/** How the means are taken, in the words both reports use. */
export function meanNote(board: Leaderboard): string {
  return board.common.length
    ? `Main score of each task × 100. The mean is over the ${board.common.length} task(s) every model has a score for (${board.common.join(", ")}); tasks a model lacks are listed under "Missing".`
    : 'Main score of each task × 100. No task has a score for every model, so no mean is given; tasks a model lacks are listed under "Missing".';
}

/** Scores shown ×100 with two decimals, as MTEB leaderboards do. */
export function formatScore(v: number | null | undefined): string {
  if (v === undefined) return "";
  if (v === null) return "n/a";
  return (100 * v).toFixed(2);
}

/** The provenance of one result, as both the Markdown and the HTML report show it. */
interface ProvenanceLine {
  model: string;
  task: string;
  source: string;
  /** care: the task content hash; MTEB: the dataset revision. */
  data: string;
  queryPrompt: string;
  documentPrompt: string;
  maxLength: string;
  pooling: string;
  dim: string;
  weights: string;
  version: string;
  commit: string;
  command: string;
}

/** The provenance table's columns in order: the heading, then the field it shows. */
const PROVENANCE_COLUMNS: readonly (readonly [string, keyof ProvenanceLine])[] = [
  ["model", "model"],
  ["task", "task"],
  ["source", "source"],
  ["data", "data"],
  ["query prompt", "queryPrompt"],
  ["document prompt", "documentPrompt"],
  ["max length", "maxLength"],
  ["pooling", "pooling"],
  ["dim", "dim"],
  ["weights sha256", "weights"],
  ["version", "version"],
  ["commit", "commit"],
  ["command", "command"],
];

/** Each result's provenance as a table of plain-text cells, for the Markdown and HTML reports. */
export function provenanceTable(board: Leaderboard): { headings: string[]; rows: string[][] } {
  return {
    headings: PROVENANCE_COLUMNS.map(([heading]) => heading),
    rows: provenanceLines(board).map((p) => PROVENANCE_COLUMNS.map(([, field]) => p[field])),
  };
}

function provenanceLines(board: Leaderboard): ProvenanceLine[] {
  const lines: ProvenanceLine[] = [];
  for (const row of board.rows) {
    for (const r of row.records) {
      const c = r.care;
      const enc = c?.model.encoding;
      const side = (f: (s: NonNullable<typeof enc>["query"]) => unknown) =>
        enc ? `${String(f(enc.query))} / ${String(f(enc.document))}` : "";
      const w = c?.model.weights_sha256;
      lines.push({
        model: row.label,
        task: r.task,
        source: r.source,
        data: (r.taskHash ?? r.datasetRevision ?? "").slice(0, 12),
        queryPrompt: enc?.query.prompt ?? "",
        documentPrompt: enc?.document.prompt ?? "",
        maxLength: side((s) => s.max_length ?? "service"),
        pooling: side((s) => s.pooling ?? "service"),
        dim: side((s) => s.dim),
        weights: w ? [w.query, w.document].map((h) => (h ? h.slice(0, 12) : "-")).join(" / ") : "",
        version: c ? `care ${c.run.care_version}` : r.mtebVersion ? `mteb ${r.mtebVersion}` : "",
        commit: c?.run.git_commit?.replace(/^([0-9a-f]{12})[0-9a-f]*/, "$1") ?? "",
        command: c?.run.command ?? "",
      });
    }
  }
  return lines;
}
