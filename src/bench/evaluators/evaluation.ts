import type { TaskHint } from "../../embed/embedder.js";
import type { Hit } from "../model.js";
import type { Qrels, Task } from "../task.js";

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
}

export function taskHint(task: Task): TaskHint {
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
