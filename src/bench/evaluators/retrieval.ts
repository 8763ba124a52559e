import type { Progress } from "../../util/progress.js";
import { trecOrder } from "../../util/hit-order.js";
import { hasRelevant } from "../../core/qrels.js";
import { rankingScores } from "../metrics/ranking-scores.js";
import type { BenchModel, Hit } from "../../core/bench-model.js";
import { evaluatedRun, taskHint, type Evaluation } from "./evaluation.js";
import type { RankingTask } from "../../core/task.js";

/** How many documents per query a retrieval run keeps: MTEB's largest cutoff. */
export const RETRIEVAL_DEPTH = 1000;

/**
 * Retrieval over the whole corpus for every query with a relevant document (the others would be
 * dropped from the averages anyway, so they are not encoded).
 */
export async function evaluateRetrieval(
  task: RankingTask,
  model: BenchModel,
  progress?: Progress,
): Promise<Evaluation> {
  const { corpus, queries, qrels } = task.data;
  const evaluated = queries.filter((q) => hasRelevant(qrels.get(q.id)));
  const hits = await model.retrieve(evaluated, corpus, RETRIEVAL_DEPTH, taskHint(task), progress);
  if (hits.length !== evaluated.length)
    throw new Error(`${model.name} returned ${hits.length} rankings for ${evaluated.length} queries`);
  const known = new Set(corpus.map((d) => d.id));
  const run = new Map<string, Hit[]>();
  evaluated.forEach((q, i) => {
    for (const h of hits[i])
      if (!known.has(h.id))
        throw new Error(`${model.name} returned unknown document "${h.id}" for query "${q.id}"`);
    run.set(q.id, trecOrder(hits[i], q.id).slice(0, RETRIEVAL_DEPTH));
  });
  const { scores, queries: used } = rankingScores(run, qrels);
  return { scores, nQueries: used.length, nDocs: corpus.length, ...evaluatedRun(run, qrels, used) };
}
