/** qrels: query id → (document id → graded relevance). */
export type Qrels = Map<string, Map<string, number>>;

/** trec_eval's relevance level: a judgment of at least 1 makes a document relevant. */
export const RELEVANCE_LEVEL = 1;

/** Whether a query has a document judged relevant; queries without one are not evaluated. */
export function hasRelevant(judgments: ReadonlyMap<string, number> | undefined): boolean {
  if (!judgments) return false;
  for (const g of judgments.values()) if (g >= RELEVANCE_LEVEL) return true;
  return false;
}
