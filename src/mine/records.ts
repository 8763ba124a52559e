import type { Doc } from "../core/doc.js";
import { CareError } from "../core/errors.js";
import { readJsonl } from "../util/jsonl.js";

/**
 * The `type` values of care-samples/stage2: "symmetric_sts" for text-to-similar-text pairs (the trainer
 * may use either side as the query), "normal" for query-to-document retrieval (the FlagEmbedding name
 * for the default; the release's retrieval file leaves the field out, which means the same).
 */
export const STS_TYPE = "symmetric_sts";
export const RETRIEVAL_TYPE = "normal";

/** Instructions of the CARE release samples, used where a row brings none. */
export const DEFAULT_PROMPTS: Readonly<Record<string, string>> = {
  [STS_TYPE]: "Retrieve semantically similar text.",
  [RETRIEVAL_TYPE]: "Given a Chinese medical question, retrieve medical documents that answer the question.",
};

/**
 * A training example in the stage-II shape (query, positives, negatives, instruction, type), as read
 * from a mining input; `prompt` and `type` may be missing there and are filled on output.
 */
export interface TrainRow {
  query: string;
  pos: string[];
  neg: string[];
  prompt?: string;
  type?: string;
  /** Corpus ids of the positives where known (the CARE release writes one number as `pos_id`). */
  pos_id?: string | number | (string | number)[];
}

/** One line of stage-II data, exactly the fields of care-samples/stage2. */
export interface Stage2Row {
  query: string;
  pos: string[];
  neg: string[];
  prompt: string;
  type: string;
}

/** One line of stage-I data: a text paired with itself (care-samples/stage1). */
export interface Stage1Row {
  query: string;
  pos: [string];
  neg: [];
}

/** A retrieved document offered as a hard negative, with the retriever's score. */
export interface Candidate {
  id: string;
  text: string;
  score: number;
}

/** A mining input row with the retriever's candidates, as `care mine negatives` writes it. */
export interface MinedRow extends TrainRow {
  candidates: Candidate[];
}

function stringList(v: unknown, field: string, file: string, line: number, nonEmpty: boolean): string[] {
  if (v === undefined && !nonEmpty) return [];
  if (typeof v === "string" && v !== "") return [v];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string") || (nonEmpty && v.length === 0)) {
    throw new CareError(
      `field "${field}" must be ${nonEmpty ? "a non-empty" : "an"} array of strings`,
      file,
      line,
    );
  }
  return v as string[];
}

function optionalString(v: unknown, field: string, file: string, line: number): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new CareError(`field "${field}" must be a string`, file, line);
  return v;
}

/** Validates one stage-II-shaped object; `pos` may be one string or a list, `neg` may be missing. */
export function parseTrainRow(value: Record<string, unknown>, file: string, line: number): TrainRow {
  const query = value.query;
  if (typeof query !== "string" || query.trim() === "")
    throw new CareError('field "query" must be a non-empty string', file, line);
  const row: TrainRow = {
    query,
    pos: stringList(value.pos, "pos", file, line, true),
    neg: stringList(value.neg, "neg", file, line, false),
  };
  const prompt = optionalString(value.prompt, "prompt", file, line);
  const type = optionalString(value.type, "type", file, line);
  if (prompt !== undefined) row.prompt = prompt;
  if (type !== undefined) row.type = type;
  const ids = value.pos_id;
  if (ids !== undefined) {
    const ok = (x: unknown) => typeof x === "string" || typeof x === "number";
    if (!(ok(ids) || (Array.isArray(ids) && ids.every(ok))))
      throw new CareError('field "pos_id" must be an id or an array of ids', file, line);
    row.pos_id = ids as TrainRow["pos_id"];
  }
  return row;
}

/** The corpus ids of a row's positives, as strings (corpus ids are compared as strings). */
export function positiveIds(row: TrainRow): string[] {
  if (row.pos_id === undefined) return [];
  return (Array.isArray(row.pos_id) ? row.pos_id : [row.pos_id]).map(String);
}

/** Streams and validates stage-II-shaped rows (the input of negatives mining). */
export async function* readTrainRows(file: string): AsyncGenerator<{ line: number; row: TrainRow }> {
  for await (const { line, value } of readJsonl(file)) yield { line, row: parseTrainRow(value, file, line) };
}

/** Streams the rows of `care mine negatives` output, checking the candidate list of each. */
export async function* readMinedRows(file: string): AsyncGenerator<{ line: number; row: MinedRow }> {
  for await (const { line, value } of readJsonl(file)) {
    const row = parseTrainRow(value, file, line);
    const c = value.candidates;
    if (!Array.isArray(c))
      throw new CareError('field "candidates" must be an array (output of care mine negatives)', file, line);
    const candidates = c.map((x: unknown, i): Candidate => {
      const o = x as Record<string, unknown> | null;
      if (
        o === null ||
        typeof o !== "object" ||
        (typeof o.id !== "string" && typeof o.id !== "number") ||
        typeof o.text !== "string" ||
        typeof o.score !== "number"
      )
        throw new CareError(`candidates[${i}] must be {"id", "text", "score"}`, file, line);
      return { id: String(o.id), text: o.text, score: o.score };
    });
    yield { line, row: { ...row, candidates } };
  }
}

/** A corpus JSONL in the task-folder shape: `{"_id" (or "id"), "text", "title"?}` per line. */
export async function readCorpus(file: string): Promise<Doc[]> {
  const docs: Doc[] = [];
  const seen = new Set<string>();
  for await (const { line, value } of readJsonl(file)) {
    const rawId = value._id ?? value.id;
    if (typeof rawId !== "string" && typeof rawId !== "number")
      throw new CareError('field "_id" (or "id") must be a string or number', file, line);
    const id = String(rawId);
    if (seen.has(id)) throw new CareError(`document id "${id}" appears twice`, file, line);
    seen.add(id);
    if (typeof value.text !== "string") throw new CareError('field "text" must be a string', file, line);
    const title = optionalString(value.title, "title", file, line);
    docs.push(title ? { id, text: value.text, title } : { id, text: value.text });
  }
  if (docs.length === 0) throw new CareError("the corpus is empty", file);
  return docs;
}

/** A row of stage-II output: the fields in the samples' order, instruction and type filled in. */
export function stage2Row(row: TrainRow, pos: string[], neg: string[], fallbackType: string): Stage2Row {
  const type = row.type ?? fallbackType;
  return { query: row.query, pos, neg, prompt: row.prompt ?? DEFAULT_PROMPTS[type] ?? "", type };
}
