import { CareError } from "../core/errors.js";
import type { Hit } from "../core/bench-model.js";
import type { Qrels } from "../core/qrels.js";

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
