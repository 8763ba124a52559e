import { K_VALUES } from "../../core/score-names.js";
import { hasRelevant, type Qrels } from "../../core/qrels.js";
import { CareError } from "../../core/errors.js";
import type { Hit } from "../../core/bench-model.js";
import { averagePrecisionAtK } from "./average-precision.js";
import { judge } from "./judgments.js";
import { ndcgAtK } from "./ndcg.js";
import { precisionAtK } from "./precision.js";
import { recallAtK } from "./recall.js";
import { reciprocalRankAtK } from "./reciprocal-rank.js";
import { trecOrder } from "../../util/hit-order.js";

export interface RankingEvaluation {
  /** `ndcg_at_k`, `map_at_k`, `recall_at_k`, `precision_at_k`, `mrr_at_k` for every k, averaged. */
  scores: Record<string, number>;
  /** The queries averaged over: those with at least one relevant judgment, in qrels order. */
  queries: string[];
}

/**
 * Ranking metrics averaged over the queries that have a relevant document. A query with relevant
 * documents that the run does not rank (or ranks nothing for) counts as a ranking with no hits: a model
 * cannot raise its average by answering nothing.
 */
export function rankingScores(
  run: ReadonlyMap<string, readonly Hit[]>,
  qrels: Qrels,
  ks: readonly number[] = K_VALUES,
): RankingEvaluation {
  const sums = new Map<string, number>();
  const add = (name: string, v: number) => sums.set(name, (sums.get(name) ?? 0) + v);
  const queries: string[] = [];
  for (const [qid, judgments] of qrels) {
    if (!hasRelevant(judgments)) continue;
    queries.push(qid);
    const { gains, numRelevant, idealGains } = judge(trecOrder(run.get(qid) ?? [], qid), judgments);
    for (const k of ks) {
      add(`ndcg_at_${k}`, ndcgAtK(gains, idealGains, k));
      add(`map_at_${k}`, averagePrecisionAtK(gains, numRelevant, k));
      add(`recall_at_${k}`, recallAtK(gains, numRelevant, k));
      add(`precision_at_${k}`, precisionAtK(gains, k));
      add(`mrr_at_${k}`, reciprocalRankAtK(gains, k));
    }
  }
  if (queries.length === 0) throw new CareError("no query has a document judged relevant (qrel ≥ 1)");
  const scores: Record<string, number> = {};
  for (const prefix of ["ndcg", "map", "recall", "precision", "mrr"]) {
    for (const k of ks) scores[`${prefix}_at_${k}`] = sums.get(`${prefix}_at_${k}`)! / queries.length;
  }
  return { scores, queries };
}
