import type { Doc } from "../../core/doc.js";
import type { Progress } from "../../util/progress.js";
import { trecOrder } from "../../util/hit-order.js";
import { hasRelevant } from "../../core/qrels.js";
import { rankingScores } from "../metrics/ranking-scores.js";
import type { BenchModel, Hit } from "../../core/bench-model.js";
import type { RankingTask } from "../../core/task.js";
import { evaluatedRun, taskHint, type Evaluation } from "./evaluation.js";

/**
 * Reranking: each query's candidate list is scored and ranked in full, then evaluated as a ranking
 * (main score map_at_1000: average precision over the whole candidate list).
 */
export async function evaluateReranking(
  task: RankingTask,
  model: BenchModel,
  progress?: Progress,
): Promise<Evaluation> {
  const { corpus, queries, qrels, candidates } = task.data;
  if (!candidates) throw new Error(`reranking task ${task.meta.name} has no candidate lists`);
  const byId = new Map(corpus.map((d) => [d.id, d]));
  const evaluated = queries.filter((q) => candidates.has(q.id) && hasRelevant(qrels.get(q.id)));
  const lists: Doc[][] = evaluated.map((q) => candidates.get(q.id)!.map((id) => byId.get(id)!));
  const scored = await model.scoreCandidates(evaluated, lists, taskHint(task), progress);
  if (scored.length !== evaluated.length)
    throw new Error(`${model.name} returned ${scored.length} score lists for ${evaluated.length} queries`);
  const run = new Map<string, Hit[]>();
  const docs = new Set<string>();
  evaluated.forEach((q, i) => {
    if (scored[i].length !== lists[i].length)
      throw new Error(
        `${model.name} returned ${scored[i].length} scores for ${lists[i].length} candidates of "${q.id}"`,
      );
    const hits = lists[i].map((d, j) => ({ id: d.id, score: scored[i][j] }));
    for (const d of lists[i]) docs.add(d.id);
    run.set(q.id, trecOrder(hits, q.id));
  });
  const { scores, queries: used } = rankingScores(run, qrels);
  return { scores, nQueries: used.length, nDocs: docs.size, ...evaluatedRun(run, qrels, used) };
}
