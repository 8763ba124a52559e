import { createReadStream, existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadTaskMeta } from "../tasks/load.js";
import type { TaskHint } from "../core/embedder.js";
import { CareError } from "../core/errors.js";
import { readJsonl, stringField } from "../util/jsonl.js";
import { fieldsOf } from "./filter.js";
import type { StoreDoc } from "./store.js";

/** Where documents come from: a corpus JSONL file, and the task it belongs to when given a task folder. */
export interface CorpusInput {
  file: string;
  task?: TaskHint;
}

/** Accepts a corpus JSONL file or a task folder holding corpus.jsonl (BEIR layout). */
export function resolveCorpus(path: string): CorpusInput {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new CareError("corpus not found", abs);
  if (!statSync(abs).isDirectory()) return { file: abs };
  const file = join(abs, "corpus.jsonl");
  if (!existsSync(file)) throw new CareError("folder has no corpus.jsonl (expected a task folder)", abs);
  if (!existsSync(join(abs, "task.json"))) return { file };
  const meta = loadTaskMeta(abs);
  return {
    file,
    task: {
      name: meta.name,
      type: meta.type,
      ...(meta.query_instruction ? { queryInstruction: meta.query_instruction } : {}),
    },
  };
}

/**
 * Corpus rows as documents, streamed: `{"_id" | "id", "text", "title"?, ...fields}` per line; the other
 * scalar columns become the document's metadata fields. A row without an id or text is an error naming
 * file and line, since indexing around it would silently lose a document.
 */
export async function* readCorpus(file: string): AsyncGenerator<{ line: number; doc: StoreDoc }> {
  for await (const { line, value } of readJsonl(file)) {
    const idField = "_id" in value ? "_id" : "id";
    const id = stringField(value, idField, file, line);
    if (id === "") throw new CareError(`field "${idField}" is empty`, file, line);
    const text = stringField(value, "text", file, line);
    const title = value.title;
    if (title !== undefined && title !== null && typeof title !== "string")
      throw new CareError(`field "title" must be a string`, file, line);
    const fields = fieldsOf(value);
    yield { line, doc: { id, text, ...(title ? { title } : {}), ...(fields ? { fields } : {}) } };
  }
}

/** Non-blank lines of a file, counted without parsing, so progress can show an ETA from the start. */
export async function countLines(file: string): Promise<number> {
  let n = 0;
  let blank = true;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 10) {
        if (!blank) n++;
        blank = true;
      } else if (c !== 13 && c !== 32 && c !== 9) blank = false;
    }
  }
  return blank ? n : n + 1;
}
