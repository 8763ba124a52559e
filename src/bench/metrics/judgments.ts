import type { Hit } from "../../core/bench-model.js";
import { RELEVANCE_LEVEL } from "../../core/qrels.js";

/** What the ranking metrics need of one query: its ranked judgments and its judged relevant set. */
export interface JudgedRanking {
  /** The qrel value of the document at each rank (0 where unjudged). */
  gains: number[];
  /** Number of documents judged relevant (qrel ≥ 1), retrieved or not. */
  numRelevant: number;
  /** Positive judgments of the query, largest first: the ideal ranking's gains. */
  idealGains: number[];
}

export function judge(ordered: readonly Hit[], judgments: ReadonlyMap<string, number>): JudgedRanking {
  const gains = ordered.map((h) => judgments.get(h.id) ?? 0);
  let numRelevant = 0;
  const idealGains: number[] = [];
  for (const g of judgments.values()) {
    if (g >= RELEVANCE_LEVEL) numRelevant++;
    if (g > 0) idealGains.push(g);
  }
  idealGains.sort((a, b) => b - a);
  return { gains, numRelevant, idealGains };
}
