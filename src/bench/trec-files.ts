import { CareError } from "../core/errors.js";
import type { Hit } from "../core/bench-model.js";
import type { Qrels } from "../core/qrels.js";
import { readLines } from "../util/jsonl.js";

/**
 * A TREC run (`qid Q0 docid rank score tag`), one line per ranked document in the order given.
 * Scores use JS's shortest round-trip formatting, so trec_eval parses back the very double that was
 * ranked and derives the same order, ties included.
 */
export function formatRun(run: ReadonlyMap<string, readonly Hit[]>, tag: string): string {
  checkToken(tag, "run tag");
  const lines: string[] = [];
  for (const [qid, hits] of run) {
    checkToken(qid, "query id");
    hits.forEach((h, i) => {
      checkToken(h.id, "document id");
      lines.push(`${qid} Q0 ${h.id} ${i + 1} ${String(h.score)} ${tag}`);
    });
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** TREC qrels (`qid 0 docid rel`), the judgments a run was scored on, readable by trec_eval. */
export function formatTrecQrels(qrels: Qrels): string {
  const lines: string[] = [];
  for (const [qid, judgments] of qrels) {
    checkToken(qid, "query id");
    for (const [did, rel] of judgments) {
      checkToken(did, "document id");
      lines.push(`${qid} 0 ${did} ${rel}`);
    }
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** TREC files are whitespace-separated, so an id holding whitespace cannot be written faithfully. */
function checkToken(s: string, what: string): void {
  if (s === "" || /\s/.test(s))
    throw new CareError(
      `${what} ${JSON.stringify(s)} is empty or holds whitespace; a TREC file cannot hold it`,
    );
}

/**
 * Reads a TREC run (`qid Q0 docid rank score tag`, whitespace-separated). The rank column is not
 * used: as trec_eval does, documents are ordered by score, ties by document id. A document listed
 * twice for a query, or a score that is not a number, is an error naming the line.
 */
export async function readTrecRun(file: string): Promise<Map<string, Hit[]>> {
  const run = new Map<string, Hit[]>();
  const seen = new Map<string, number>();
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    const cols = text.trim().split(/\s+/);
    if (cols.length !== 6)
      throw new CareError(`expected 6 columns (qid Q0 docid rank score tag), got ${cols.length}`, file, line);
    const [qid, , did, , s] = cols;
    const score = Number(s);
    if (!Number.isFinite(score)) throw new CareError(`score "${s}" is not a finite number`, file, line);
    const key = `${qid}\t${did}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw new CareError(
        `document "${did}" ranked twice for query "${qid}" (first on line ${first})`,
        file,
        line,
      );
    seen.set(key, line);
    let hits = run.get(qid);
    if (!hits) run.set(qid, (hits = []));
    hits.push({ id: did, score });
  }
  if (run.size === 0) throw new CareError("the run ranks no document", file);
  return run;
}

/**
 * Reads judgments: TREC qrels (`qid iter docid rel`, whitespace-separated) or a task folder's
 * qrels TSV (`query-id corpus-id score`, tab-separated, with its header line).
 */
export async function readQrelsFile(file: string): Promise<Qrels> {
  const qrels: Qrels = new Map();
  let first = true;
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === "") continue;
    const cols = text.trim().split(/\s+/);
    const isHeader = first && cols.length === 3 && !/^-?\d+$/.test(cols[2]);
    first = false;
    if (isHeader) continue;
    if (cols.length !== 3 && cols.length !== 4)
      throw new CareError(
        `expected "qid iter docid rel" (TREC) or "query-id corpus-id score" (TSV), got ${cols.length} columns`,
        file,
        line,
      );
    const [qid, did, rel] = cols.length === 4 ? [cols[0], cols[2], cols[3]] : cols;
    if (!/^-?\d+$/.test(rel)) throw new CareError(`relevance must be an integer, got "${rel}"`, file, line);
    let judgments = qrels.get(qid);
    if (!judgments) qrels.set(qid, (judgments = new Map()));
    if (judgments.has(did))
      throw new CareError(`document "${did}" judged twice for query "${qid}"`, file, line);
    judgments.set(did, Number(rel));
  }
  if (qrels.size === 0) throw new CareError("no judgments", file);
  return qrels;
}
