/**
 * The two training inputs: stage I reads texts (the care-samples stage-I JSONL, whose query and
 * positives are the same text, or plain lines), stage II reads labelled rows in the stage-II shape.
 */
import { extname } from "node:path";
import { DEFAULT_PROMPTS, RETRIEVAL_TYPE, readTrainRows } from "../mine/records.js";
import { CareError } from "../core/errors.js";
import { readJsonl, readLines } from "../util/jsonl.js";

export type Stage1Format = "jsonl" | "text";

/** `.jsonl`/`.json` files are stage-I JSONL; anything else is one text a line. */
export function stage1Format(file: string, given?: Stage1Format): Stage1Format {
  if (given) return given;
  return [".jsonl", ".json"].includes(extname(file).toLowerCase()) ? "jsonl" : "text";
}

export interface Stage1Texts {
  /** Distinct texts in first-seen order. */
  texts: string[];
  /** Texts seen again (a stage-I row's positive is usually its query). */
  repeats: number;
}

/** Stage I's texts: every row's query and positives, or every non-blank line. */
export async function readStage1Texts(file: string, format?: Stage1Format): Promise<Stage1Texts> {
  const seen = new Set<string>();
  const texts: string[] = [];
  let repeats = 0;
  const add = (t: string) => {
    if (seen.has(t)) repeats++;
    else {
      seen.add(t);
      texts.push(t);
    }
  };
  if (stage1Format(file, format) === "jsonl") {
    for await (const { line, value } of readJsonl(file)) {
      const q = value.query;
      if (typeof q !== "string" || q.trim() === "")
        throw new CareError('field "query" must be a non-empty string', file, line);
      add(q);
      const pos = value.pos;
      if (pos === undefined) continue;
      const list = typeof pos === "string" ? [pos] : pos;
      if (!Array.isArray(list) || !list.every((p) => typeof p === "string"))
        throw new CareError('field "pos" must be an array of strings', file, line);
      for (const p of list as string[]) if (p.trim() !== "") add(p);
    }
  } else {
    for await (const { text } of readLines(file)) if (text.trim() !== "") add(text);
  }
  if (!texts.length) throw new CareError("no training texts", file);
  return { texts, repeats };
}

export interface PairRow {
  query: string;
  pos: string[];
  neg: string[];
  /** The query instruction (the release's default for the row's type when the row has none). */
  prompt: string;
  type: string;
}

/** Stage II's labelled rows, validated field by field (file and line on error). */
export async function readStage2Rows(file: string): Promise<PairRow[]> {
  const rows: PairRow[] = [];
  for await (const { row } of readTrainRows(file)) {
    const type = row.type ?? RETRIEVAL_TYPE;
    rows.push({
      query: row.query,
      pos: row.pos,
      neg: row.neg,
      prompt: row.prompt ?? DEFAULT_PROMPTS[type] ?? "",
      type,
    });
  }
  if (!rows.length) throw new CareError("no training rows", file);
  return rows;
}
