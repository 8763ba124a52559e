import type { TaskHint } from "../../core/embedder.js";
import type { Hit } from "../../core/bench-model.js";
import type { Qrels } from "../../core/qrels.js";
import type { Task, TaskMeta } from "../../core/task.js";

/** What an evaluator hands the runner. */
export interface Evaluation {
  /** Every metric of the task type (see ../score-names.ts). */
  scores: Record<string, number>;
  /** Queries evaluated (ranking), pairs (STS) or items (clustering). */
  nQueries: number;
  /** Documents scored: the corpus (retrieval) or distinct candidates (reranking); 0 otherwise. */
  nDocs: number;
  /** Ranking tasks: each evaluated query's ranking in trec_eval order, and the judgments it was scored on. */
  run?: Map<string, Hit[]>;
  qrels?: Qrels;
  /** Ranking tasks: evaluated queries the model ranked nothing for (each scores 0). */
  emptyRankings?: string[];
}

/**
 * The run and judgments of exactly the evaluated queries. Saved together, they reproduce the reported
 * figures with trec_eval -c always, and with plain trec_eval when no ranking is empty (a TREC run
 * cannot list a query without a document, and trec_eval then skips the query instead of scoring 0).
 */
export function evaluatedRun(
  run: Map<string, Hit[]>,
  qrels: Qrels,
  queries: string[],
): Pick<Evaluation, "run" | "qrels" | "emptyRankings"> {
  return {
    run: new Map(queries.map((q) => [q, run.get(q) ?? []])),
    qrels: new Map(queries.map((q) => [q, qrels.get(q)!])),
    emptyRankings: queries.filter((q) => (run.get(q) ?? []).length === 0),
  };
}

export function taskHint(task: { meta: TaskMeta }): TaskHint {
  return { name: task.meta.name, type: task.meta.type, queryInstruction: task.meta.query_instruction };
}

/** The number of texts a model processes for a task, the total of its progress bar. */
export function textsToProcess(task: Task): number {
  if ("pairs" in task) return 2 * task.pairs.length;
  if ("items" in task) return task.items.length;
  const { data } = task;
  if (!data.candidates) return data.queries.length + data.corpus.length;
  const docs = new Set<string>();
  for (const list of data.candidates.values()) for (const d of list) docs.add(d);
  return data.candidates.size + docs.size;
}
