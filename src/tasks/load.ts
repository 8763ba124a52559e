import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Doc } from "../core/doc.js";
import { CareError, SkipLog } from "../core/errors.js";
import { readJsonl, readLines, stringField } from "../util/jsonl.js";
import { validate } from "../util/validate.js";
import { hasRelevant, type Qrels } from "../core/qrels.js";
import { scoreNames } from "../core/score-names.js";
import {
  DEFAULT_MAIN_SCORE,
  type ClusterItem,
  type Query,
  type StsPair,
  type Task,
  type TaskMeta,
  type TaskType,
} from "../core/task.js";

const TYPES: readonly TaskType[] = ["retrieval", "reranking", "sts", "clustering"];

export interface LoadTaskOptions {
  /** Receives rows skipped with a reason; when absent, a summary of them goes to stderr. */
  skips?: SkipLog;
}

const text = Type.String({ minLength: 1 });

/** task.json: fields beyond these are allowed (and ignored), as MTEB metadata carries more. */
const TASK_META = Type.Object({
  name: Type.String({
    pattern: "^[^./\\\\][^/\\\\]*$",
    errorMessage: "must be usable as a file name (no slashes, no leading dot)",
  }),
  type: Type.Union(
    TYPES.map((t) => Type.Literal(t)),
    { errorMessage: `must be one of ${TYPES.join(", ")}` },
  ),
  split: Type.Optional(text),
  main_score: Type.Optional(text),
  query_instruction: Type.Optional(text),
  description: Type.Optional(text),
  source: Type.Optional(text),
  dataset_revision: Type.Optional(text),
  languages: Type.Optional(
    Type.Array(text, {
      minItems: 1,
      errorMessage: 'must be a non-empty array of strings such as "cmn-Hans"',
    }),
  ),
});
const RANKING_META = Type.Object({ split: text });
const STS_META = Type.Object({ min_score: Type.Number(), max_score: Type.Number() });

/** Reads and validates task.json; `main_score` defaults to the type's MTEB main score. */
export function loadTaskMeta(dir: string): TaskMeta {
  const file = join(dir, "task.json");
  if (!existsSync(file)) throw new CareError("task.json not found: not a task folder", file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CareError(`malformed JSON: ${(e as Error).message}`, file);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new CareError("expected a JSON object", file);
  const o = validate(TASK_META, raw, file);
  const type = o.type as TaskType;
  if (type === "retrieval" || type === "reranking") validate(RANKING_META, o, file);
  const meta: TaskMeta = {
    name: o.name,
    type,
    split: o.split ?? "test",
    main_score: o.main_score ?? DEFAULT_MAIN_SCORE[type],
  };
  if (!scoreNames(type).includes(meta.main_score))
    throw new CareError(
      `main_score: must be one of the ${type} scores (${scoreNames(type).join(", ")}), got "${meta.main_score}"`,
      file,
    );
  for (const f of ["query_instruction", "description", "source", "dataset_revision"] as const) {
    if (o[f] !== undefined) meta[f] = o[f];
  }
  if (o.languages !== undefined) meta.languages = o.languages;
  if (type === "sts") {
    const range = validate(STS_META, o, file);
    if (!(range.max_score > range.min_score))
      throw new CareError(`max_score (${range.max_score}) must exceed min_score (${range.min_score})`, file);
    meta.min_score = range.min_score;
    meta.max_score = range.max_score;
  }
  return meta;
}

/**
 * Loads a task folder (format in ./task.ts), validating every row: a malformed or incomplete row, a
 * duplicate id, or a candidate naming an unknown document is an error naming file and line; judgments
 * naming unknown ids are skipped and counted, as is a reranking query judged but given no candidates.
 */
export async function loadTask(dir: string, options: LoadTaskOptions = {}): Promise<Task> {
  const meta = loadTaskMeta(dir);
  const skips = options.skips ?? new SkipLog();
  const task = await loadBody(dir, meta, skips);
  if (!options.skips && skips.count > 0) {
    process.stderr.write(`care: warning: ${skips.count} rows skipped in ${dir}:\n${skips.summary()}\n`);
  }
  return task;
}

async function loadBody(dir: string, meta: TaskMeta, skips: SkipLog): Promise<Task> {
  switch (meta.type) {
    case "retrieval":
    case "reranking": {
      const corpusFile = join(dir, "corpus.jsonl");
      const docId = idChecker(corpusFile);
      const corpus = await readRows<Doc>(corpusFile, (o, line) => {
        const d: Doc = {
          id: docId(stringField(o, "_id", corpusFile, line), line),
          text: stringField(o, "text", corpusFile, line),
        };
        if (o.title !== undefined && o.title !== null) d.title = stringField(o, "title", corpusFile, line);
        return d;
      });
      const queriesFile = join(dir, "queries.jsonl");
      const queryId = idChecker(queriesFile);
      const queries = await readRows<Query>(queriesFile, (o, line) => ({
        id: queryId(stringField(o, "_id", queriesFile, line), line),
        text: stringField(o, "text", queriesFile, line),
      }));
      const docIds = new Set(corpus.map((d) => d.id));
      const queryIds = new Set(queries.map((q) => q.id));
      const qrelsFile = join(dir, "qrels", `${meta.split}.tsv`);
      const { qrels, firstLine } = await readQrels(qrelsFile, queryIds, docIds, skips);
      const data = { corpus, queries, qrels } as {
        corpus: Doc[];
        queries: Query[];
        qrels: Qrels;
        candidates?: Map<string, string[]>;
      };
      if (meta.type === "reranking") {
        const candidatesFile = join(dir, "candidates.jsonl");
        data.candidates = await readCandidates(candidatesFile, queryIds, docIds);
        for (const qid of [...qrels.keys()]) {
          if (data.candidates.has(qid)) continue;
          if (hasRelevant(qrels.get(qid)))
            skips.add(qrelsFile, firstLine.get(qid)!, `query "${qid}" is judged but has no candidate list`);
          qrels.delete(qid);
        }
      }
      if (![...qrels.values()].some((j) => hasRelevant(j)))
        throw new CareError(
          meta.type === "reranking"
            ? "no query with a candidate list has a document judged relevant (score ≥ 1)"
            : "no known query has a known document judged relevant (score ≥ 1)",
          qrelsFile,
        );
      return { dir, meta: meta as TaskMeta & { type: "retrieval" | "reranking" }, data };
    }
    case "sts": {
      const file = join(dir, "pairs.jsonl");
      const pairs = await readRows<StsPair>(file, (o, line) => {
        const score = numberField(o, "score", file, line);
        if (score < meta.min_score! || score > meta.max_score!)
          throw new CareError(
            `score ${score} lies outside [${meta.min_score}, ${meta.max_score}] of task.json`,
            file,
            line,
          );
        return {
          sentence1: stringField(o, "sentence1", file, line),
          sentence2: stringField(o, "sentence2", file, line),
          score,
        };
      });
      return { dir, meta: meta as TaskMeta & { type: "sts" }, pairs };
    }
    case "clustering": {
      const file = join(dir, "items.jsonl");
      const items = await readRows<ClusterItem>(file, (o, line) => ({
        text: stringField(o, "text", file, line),
        label: stringField(o, "label", file, line),
      }));
      if (new Set(items.map((i) => i.label)).size < 2)
        throw new CareError("clustering needs at least two distinct labels", file);
      return { dir, meta: meta as TaskMeta & { type: "clustering" }, items };
    }
  }
}

async function readRows<T>(
  file: string,
  parse: (o: Record<string, unknown>, line: number) => T,
): Promise<T[]> {
  const rows: T[] = [];
  for await (const { line, value } of readJsonl(file)) rows.push(parse(value, line));
  if (rows.length === 0) throw new CareError("no rows: the task is empty", file);
  return rows;
}

/** Rejects an empty or repeated id, naming the line where it first appeared. */
function idChecker(file: string): (id: string, line: number) => string {
  const lines = new Map<string, number>();
  return (id, line) => {
    if (id === "") throw new CareError(`empty "_id"`, file, line);
    const first = lines.get(id);
    if (first !== undefined)
      throw new CareError(`duplicate "_id" "${id}" (first on line ${first})`, file, line);
    lines.set(id, line);
    return id;
  };
}

function numberField(o: Record<string, unknown>, field: string, file: string, line: number): number {
  const v = o[field];
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new CareError(`field "${field}" must be a number`, file, line);
  return n;
}

async function readQrels(
  file: string,
  queryIds: Set<string>,
  docIds: Set<string>,
  skips: SkipLog,
): Promise<{ qrels: Qrels; firstLine: Map<string, number> }> {
  const qrels: Qrels = new Map();
  const firstLine = new Map<string, number>();
  const pairLine = new Map<string, number>();
  let lines = 0;
  let judged = 0;
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    const cols = text.split("\t").map((c) => c.trim());
    // The header (query-id, corpus-id, score) is the first line; its score column is not a number.
    if (lines++ === 0 && !/^-?\d+$/.test(cols[2] ?? "")) continue;
    judged++;
    if (cols.length !== 3)
      throw new CareError(
        `expected 3 tab-separated columns (query-id, corpus-id, score), got ${cols.length}`,
        file,
        line,
      );
    const [qid, did, s] = cols;
    if (!/^-?\d+$/.test(s)) throw new CareError(`score must be an integer, got "${s}"`, file, line);
    const score = Number(s);
    if (!queryIds.has(qid)) {
      skips.add(file, line, `unknown query id "${qid}"`);
      continue;
    }
    if (!docIds.has(did)) {
      skips.add(file, line, `unknown corpus id "${did}"`);
      continue;
    }
    let judgments = qrels.get(qid);
    if (!judgments) {
      qrels.set(qid, (judgments = new Map()));
      firstLine.set(qid, line);
    }
    const previous = judgments.get(did);
    const key = `${qid}\t${did}`;
    if (previous !== undefined) {
      if (previous !== score)
        throw new CareError(
          `query "${qid}", document "${did}" judged ${previous} on line ${pairLine.get(key)} and ${score} here`,
          file,
          line,
        );
      skips.add(file, line, `repeats the judgment on line ${pairLine.get(key)}`);
      continue;
    }
    judgments.set(did, score);
    pairLine.set(key, line);
  }
  if (judged === 0) throw new CareError("no rows: the task is empty", file);
  return { qrels, firstLine };
}

async function readCandidates(
  file: string,
  queryIds: Set<string>,
  docIds: Set<string>,
): Promise<Map<string, string[]>> {
  const candidates = new Map<string, string[]>();
  for await (const { line, value } of readJsonl(file)) {
    const qid = stringField(value, "query-id", file, line);
    if (!queryIds.has(qid)) throw new CareError(`unknown query id "${qid}"`, file, line);
    if (candidates.has(qid)) throw new CareError(`second candidate list for query "${qid}"`, file, line);
    const list = value["corpus-ids"];
    if (!Array.isArray(list) || list.length === 0)
      throw new CareError(`field "corpus-ids" must be a non-empty array of document ids`, file, line);
    const ids = list.map((d) => {
      if (typeof d !== "string" && typeof d !== "number")
        throw new CareError(`field "corpus-ids" must hold strings, got ${JSON.stringify(d)}`, file, line);
      return String(d);
    });
    const seen = new Set<string>();
    for (const d of ids) {
      if (!docIds.has(d)) throw new CareError(`unknown corpus id "${d}" in "corpus-ids"`, file, line);
      if (seen.has(d)) throw new CareError(`corpus id "${d}" listed twice in "corpus-ids"`, file, line);
      seen.add(d);
    }
    candidates.set(qid, ids);
  }
  if (candidates.size === 0) throw new CareError("no rows: the task is empty", file);
  return candidates;
}

/**
 * Task folders named by a comma-separated list; each entry is a task folder (it holds task.json) or a
 * folder searched recursively for task folders, in name order.
 */
export function findTasks(spec: string): string[] {
  const found: string[] = [];
  for (const entry of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!existsSync(entry)) throw new CareError("no such folder", entry);
    if (!statSync(entry).isDirectory()) throw new CareError("not a folder", entry);
    const here = collect(entry);
    if (here.length === 0) throw new CareError("no task folder (one holding task.json) here", entry);
    for (const d of here) if (!found.includes(d)) found.push(d);
  }
  if (found.length === 0) throw new CareError(`no task folders given in "${spec}"`);
  return found;
}

function collect(dir: string): string[] {
  if (existsSync(join(dir, "task.json"))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort()
    .flatMap((name) => collect(join(dir, name)));
}
