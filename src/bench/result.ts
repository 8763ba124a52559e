import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { EncodingSettings } from "../core/embedder.js";
import { CareError } from "../core/errors.js";
import type { TaskType } from "../core/task.js";
import type { TaskInfo } from "./mteb-tasks.js";
import type { ModelProvenance, RunProvenance, TaskFingerprint } from "./provenance.js";

/**
 * One result file, in MTEB's TaskResult schema (`<out>/<model>/<revision>/<TaskName>.json`), so
 * that MTEB's own loader and leaderboard tools read it. `mteb_version` is null because MTEB did not
 * produce it; `care_version` says which care did, and `care` holds what MTEB's schema has no place
 * for: the provenance that makes the figures reproducible (MTEB's loader ignores extra fields).
 */
export interface ResultFile {
  dataset_revision: string;
  task_name: string;
  mteb_version: null;
  /** Not MTEB's field: the care-retrieval version that evaluated (also in care.run). */
  care_version: string;
  scores: Record<string, ScoreEntry[]>;
  evaluation_time: number;
  kg_co2_emissions: null;
  /** Unix time in seconds, as MTEB ≥ 2 writes it. */
  date: number;
  care: CareBlock;
}

/** One subset's scores: every metric under MTEB's name, plus its subset and languages. */
export interface ScoreEntry {
  hf_subset: string;
  languages: string[];
  main_score: number | null;
  [metric: string]: number | null | string | string[];
}

export interface CareBlock {
  task: {
    type: TaskType;
    split: string;
    main_metric: string;
    /** The task folder as given to care bench. */
    dir: string;
    /** Content hash of the data scored (see provenance.fingerprintTask); also `dataset_revision` unless task.json declares one. */
    fingerprint: TaskFingerprint;
    queries: number;
    documents: number;
  };
  model: ModelProvenance & {
    revision: string;
    /** Each side's resolved prompt (`{text}` marks the input), length cut, pooling and width; null for lexical models. */
    encoding: { query: EncodingSettings; document: EncodingSettings } | null;
  };
  run: RunProvenance & { evaluated_at: string };
}

/** A result as the leaderboard sees it, whichever file shape it came from. */
export interface ResultRecord {
  file: string;
  /** care: written by care bench; mteb: an MTEB result file; care-legacy: care's layout before MTEB's. */
  source: "care" | "mteb" | "care-legacy";
  model: string;
  revision: string;
  task: string;
  type: TaskType;
  split: string;
  /** The task's main metric (task.json, the file's care block, or MTEB's definition). */
  mainMetric: string;
  /** Every numeric score of the split; null where undefined (a constant side in STS). */
  scores: Record<string, number | null>;
  /**
   * MTEB's dataset revision: an MTEB file's, or the one a care task folder declares (task.json
   * `dataset_revision`); null where there is none (a care file then identifies its data by taskHash).
   */
  datasetRevision: string | null;
  /** Content hash of the task data, for care's files. */
  taskHash: string | null;
  mtebVersion: string | null;
  /** Seconds the evaluation took, where the file says. */
  evaluationTime: number | null;
  care?: CareBlock;
}

/** MTEB's folder name for a model: "/" becomes "__"; care also replaces what a file name cannot hold. */
export function modelFolder(name: string): string {
  return name.replace(/\//g, "__").replace(/[^A-Za-z0-9._-]/g, "_") || "model";
}

export function resultPath(out: string, model: string, revision: string, task: string): string {
  return join(out, modelFolder(model), revision, `${task}.json`);
}

export const MODEL_META_FILE = "model_meta.json";

/** Parses a JSON file; NaN (which Python's json writes for an undefined score) gets its own message. */
function readJson(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    if (/[:[,]\s*-?(NaN|Infinity)\b/.test(text))
      throw new CareError("holds a NaN or Infinity score, which a result must not report", file);
    throw new CareError(`malformed JSON: ${(e as Error).message}`, file);
  }
}

/** A result of a task no catalog knows; `care report --skip-unknown` passes over these. */
export class UnknownTaskError extends CareError {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The one reader of result files: care's (MTEB layout with a care block), official MTEB ones
 * (TaskResult of MTEB ≥ 1.11), and care's legacy layout (`<out>/<model>/<task>.json`). Returns
 * undefined for a JSON file of another shape, since a results folder may hold others. An MTEB file
 * names its task only, so `tasks` must know it (its type, split and main metric).
 */
export function readResult(file: string, tasks: ReadonlyMap<string, TaskInfo>): ResultRecord | undefined {
  if (!existsSync(file)) return undefined;
  const v = readJson(file);
  if (!isObject(v)) return undefined;
  if (typeof v.task_name === "string" && isObject(v.scores)) return readMteb(file, v, tasks);
  if (typeof v.mteb_dataset_name === "string") return readMteb(file, fromBeforeMteb111(v), tasks);
  if (typeof v.task === "string" && typeof v.model === "string" && isObject(v.scores) && "main_score" in v)
    return readLegacy(file, v);
  return undefined;
}

function readMteb(
  file: string,
  v: Record<string, unknown>,
  tasks: ReadonlyMap<string, TaskInfo>,
): ResultRecord {
  const task = v.task_name as string;
  const care = isObject(v.care) ? (v.care as unknown as CareBlock) : undefined;
  const info: TaskInfo | undefined = care
    ? { type: care.task.type, split: care.task.split, main_metric: care.task.main_metric }
    : tasks.get(task);
  if (!info)
    throw new UnknownTaskError(
      `unknown task "${task}": not a C-MTEB task care knows, and no task folder given names it (--tasks)`,
      file,
    );
  const scores = v.scores as Record<string, unknown>;
  const entries = scores[info.split];
  if (!Array.isArray(entries) || entries.length === 0)
    throw new CareError(
      `no scores for split "${info.split}" of ${task} (the file has: ${Object.keys(scores).join(", ") || "none"})`,
      file,
    );
  const entry =
    entries.length === 1 ? entries[0] : entries.find((e) => isObject(e) && e.hf_subset === "default");
  if (!isObject(entry))
    throw new CareError(
      `split "${info.split}" holds ${entries.length} subsets and none is "default"; care reads one subset per task`,
      file,
    );
  const values: Record<string, number | null> = {};
  for (const [k, x] of Object.entries(entry)) {
    if (k === "hf_subset" || k === "languages" || k === "mteb_version") continue;
    if (typeof x === "number") values[k] = x;
    else if (x === null) values[k] = null;
    else if (x === "NaN" || x === "nan")
      throw new CareError(`score "${k}" of split "${info.split}" is NaN`, file);
  }
  if (!("main_score" in entry) || (entry.main_score !== null && typeof entry.main_score !== "number"))
    throw new CareError(`split "${info.split}" has no numeric main_score`, file);
  const { model, revision } = care
    ? { model: care.model.spec, revision: care.model.revision }
    : modelOfFolder(file);
  return {
    file,
    source: care ? "care" : "mteb",
    model,
    revision,
    task,
    type: info.type,
    split: info.split,
    mainMetric: info.main_metric,
    scores: values,
    datasetRevision:
      typeof v.dataset_revision === "string" && v.dataset_revision !== care?.task.fingerprint.hash
        ? v.dataset_revision
        : null,
    taskHash: care?.task.fingerprint.hash ?? null,
    mtebVersion: typeof v.mteb_version === "string" ? v.mteb_version : null,
    evaluationTime: typeof v.evaluation_time === "number" ? v.evaluation_time : null,
    care,
  };
}

/** Groups of scores MTEB < 1.11 nested under a name, flattened to MTEB's later names (cos_sim → cosine_). */
const NESTED: Record<string, string> = {
  cos_sim: "cosine",
  euclidean: "euclidean",
  manhattan: "manhattan",
  dot: "dot",
};

/**
 * A result of MTEB < 1.11 (`mteb_dataset_name`, one object per split, STS scores nested under
 * `cos_sim`…) in the later shape, as MTEB's own loader converts it. These files hold no main_score:
 * the column's metric is read by name.
 */
function fromBeforeMteb111(v: Record<string, unknown>): Record<string, unknown> {
  const scores: Record<string, unknown[]> = {};
  const flatten = (o: Record<string, unknown>, subset: string) => {
    const entry: Record<string, unknown> = { hf_subset: subset, languages: [], main_score: null };
    for (const [k, x] of Object.entries(o)) {
      if (k === "evaluation_time") continue;
      if (isObject(x) && NESTED[k]) for (const [m, y] of Object.entries(x)) entry[`${NESTED[k]}_${m}`] = y;
      else if (!isObject(x) && !Array.isArray(x)) entry[k] = x;
    }
    return entry;
  };
  for (const [split, x] of Object.entries(v)) {
    if (!isObject(x)) continue;
    const subsets = Object.entries(x).filter(([k, y]) => isObject(y) && !NESTED[k]);
    scores[split] = subsets.length
      ? subsets.map(([name, y]) => flatten(y as Record<string, unknown>, name))
      : [flatten(x, "default")];
  }
  return {
    task_name: v.mteb_dataset_name,
    dataset_revision: v.dataset_revision,
    mteb_version: v.mteb_version,
    scores,
    evaluation_time: null,
  };
}

/** An MTEB file's model: its folder's model_meta.json, else the folder names (`org__name/revision`). */
function modelOfFolder(file: string): { model: string; revision: string } {
  const dir = dirname(file);
  const meta = join(dir, MODEL_META_FILE);
  if (existsSync(meta)) {
    const m = readJson(meta);
    if (isObject(m) && typeof m.name === "string")
      return { model: m.name, revision: typeof m.revision === "string" ? m.revision : basename(dir) };
  }
  return { model: basename(dirname(dir)).replace(/__/g, "/"), revision: basename(dir) };
}

function readLegacy(file: string, v: Record<string, unknown>): ResultRecord {
  const scores: Record<string, number | null> = {};
  for (const [k, x] of Object.entries(v.scores as Record<string, unknown>))
    if (typeof x === "number" || x === null) scores[k] = x;
  return {
    file,
    source: "care-legacy",
    model: v.model as string,
    revision: "legacy",
    task: v.task as string,
    type: v.type as TaskType,
    split: typeof v.split === "string" ? v.split : "test",
    mainMetric: String(v.main_metric),
    scores,
    datasetRevision: null,
    taskHash: null,
    mtebVersion: null,
    evaluationTime: typeof v.duration_s === "number" ? v.duration_s : null,
  };
}

/** The main score a record holds: its task's main metric, null where undefined, absent if not in the file. */
export function mainScoreOf(r: ResultRecord, metric = r.mainMetric): number | null | undefined {
  return metric in r.scores ? r.scores[metric] : undefined;
}
