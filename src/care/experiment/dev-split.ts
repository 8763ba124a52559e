/**
 * The dev split the experiment chooses its one free setting on, held apart from the evaluation suite
 * and from training: the last rows of the stage-II training file become a retrieval task (each row's
 * query against the pool of every dev row's positives and negatives, its positives relevant), and the
 * rest is what the models train on.
 */
import { readStage2Rows, type PairRow } from "../data.js";
import type { Doc } from "../../core/doc.js";
import type { RankingTask } from "../../core/task.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { readLines } from "../../util/jsonl.js";

/** Writes the first lines of `file` minus the last `devRows` to `fit` and those last lines to `dev`. */
export async function splitOffDev(file: string, devRows: number, fit: string, dev: string): Promise<void> {
  const lines: string[] = [];
  for await (const { text } of readLines(file)) if (text.trim()) lines.push(text);
  if (devRows < 1 || devRows >= lines.length)
    throw new Error(`a dev split of ${devRows} rows needs more than ${lines.length} rows in ${file}`);
  writeFileAtomic(fit, lines.slice(0, -devRows).join("\n") + "\n");
  writeFileAtomic(dev, lines.slice(-devRows).join("\n") + "\n");
}

/** The dev rows as a retrieval task (nDCG@10), documents numbered by first appearance. */
export function devTask(rows: readonly PairRow[]): RankingTask {
  const ids = new Map<string, string>();
  const corpus: Doc[] = [];
  const doc = (text: string): string => {
    let id = ids.get(text);
    if (id === undefined) {
      id = `d${ids.size}`;
      ids.set(text, id);
      corpus.push({ id, text });
    }
    return id;
  };
  const queries = rows.map((r, i) => ({ id: `q${i}`, text: r.query }));
  const qrels = new Map(
    rows.map((r, i) => {
      r.neg.forEach(doc);
      return [`q${i}`, new Map(r.pos.map((p) => [doc(p), 1]))] as const;
    }),
  );
  return {
    dir: "(dev split)",
    meta: { name: "dev", type: "retrieval", split: "dev", main_score: "ndcg_at_10" },
    data: { corpus, queries, qrels },
  };
}

export async function loadDevTask(file: string): Promise<RankingTask> {
  return devTask(await readStage2Rows(file));
}
