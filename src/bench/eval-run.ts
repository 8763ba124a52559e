import { hasRelevant, type Qrels } from "../core/qrels.js";
import type { Hit } from "../core/bench-model.js";
import { rankingScores } from "./metrics/ranking-scores.js";

export interface RunEvaluation {
  /** The metrics care bench reports for ranking tasks, under MTEB's names. */
  scores: Record<string, number>;
  /** Queries averaged over: those with a relevant judgment. */
  queries: number;
  /** Of those, queries the run ranks nothing for (each scores 0, as trec_eval -c counts them). */
  unranked: string[];
  /** Queries of the run without a relevant judgment (not scored). */
  unjudged: string[];
}

/**
 * Scores a ranking from any system with the metrics of care bench, so runs of other systems compare
 * with care's results on the same task: queries with a relevant judgment are averaged over, and one
 * the run leaves out scores 0.
 */
export function evaluateRun(run: ReadonlyMap<string, readonly Hit[]>, qrels: Qrels): RunEvaluation {
  const { scores, queries } = rankingScores(run, qrels);
  return {
    scores,
    queries: queries.length,
    unranked: queries.filter((q) => (run.get(q) ?? []).length === 0),
    unjudged: [...run.keys()].filter((q) => !hasRelevant(qrels.get(q))),
  };
}
