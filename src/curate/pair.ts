import { createHash } from "node:crypto";
import { CareError } from "../core/errors.js";
import { readJsonl, stringField } from "../util/jsonl.js";

/**
 * One query/document pair to judge: the unit of the candidate pool, of every stored judgment and of the
 * expert review. `doc` is the text the judges read (title and body joined, as the pool writes it).
 */
export interface Pair {
  pair_id: string;
  task: string;
  query_id: string;
  doc_id: string;
  query: string;
  doc: string;
  /** Which retrievers (or "qrels") brought the document into the pool. */
  sources: string[];
  /** Whether the source task already labels this document relevant to the query. */
  labelled?: boolean;
}

/**
 * A stable id for a pair: a hash over the task, both ids and both texts, so that a rerun finds its earlier
 * judgments, and a pair whose text changed is judged afresh rather than inheriting a stale score.
 */
export function pairId(task: string, queryId: string, docId: string, query: string, doc: string): string {
  return createHash("sha256")
    .update(JSON.stringify([task, queryId, docId, query, doc]))
    .digest("hex")
    .slice(0, 32);
}

export function makePair(p: Omit<Pair, "pair_id" | "sources"> & { sources?: string[] }): Pair {
  const pair: Pair = {
    pair_id: pairId(p.task, p.query_id, p.doc_id, p.query, p.doc),
    task: p.task,
    query_id: p.query_id,
    doc_id: p.doc_id,
    query: p.query,
    doc: p.doc,
    sources: p.sources ?? [],
  };
  if (p.labelled !== undefined) pair.labelled = p.labelled;
  return pair;
}

/** Streams a pairs JSONL file, checking every field; a pair id that does not match its content is an error. */
export async function* readPairs(file: string): AsyncGenerator<Pair> {
  for await (const { line, value } of readJsonl(file)) {
    const task = stringField(value, "task", file, line);
    const query_id = stringField(value, "query_id", file, line);
    const doc_id = stringField(value, "doc_id", file, line);
    const query = stringField(value, "query", file, line);
    const doc = stringField(value, "doc", file, line);
    const expected = pairId(task, query_id, doc_id, query, doc);
    const given = value.pair_id;
    if (given !== undefined && given !== expected) {
      throw new CareError(
        `field "pair_id" is ${JSON.stringify(given)} but the pair hashes to ${expected}`,
        file,
        line,
      );
    }
    const sources = value.sources ?? [];
    if (!Array.isArray(sources) || !sources.every((s) => typeof s === "string")) {
      throw new CareError('field "sources" must be an array of strings', file, line);
    }
    if (value.labelled !== undefined && typeof value.labelled !== "boolean") {
      throw new CareError('field "labelled" must be true or false', file, line);
    }
    yield makePair({
      task,
      query_id,
      doc_id,
      query,
      doc,
      sources,
      labelled: value.labelled as boolean | undefined,
    });
  }
}

/** Reads every pair of a file into memory, refusing duplicated pair ids (they would be judged twice). */
export async function loadPairs(file: string): Promise<Pair[]> {
  const seen = new Set<string>();
  const out: Pair[] = [];
  let n = 0;
  for await (const p of readPairs(file)) {
    n++;
    if (seen.has(p.pair_id)) {
      throw new CareError(`pair ${p.task}/${p.query_id}/${p.doc_id} appears twice (pair ${n})`, file);
    }
    seen.add(p.pair_id);
    out.push(p);
  }
  return out;
}
