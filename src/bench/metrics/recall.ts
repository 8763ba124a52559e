import { RELEVANCE_LEVEL } from "../../core/qrels.js";

/** Relevant documents within the top k over all relevant documents of the query (trec_eval's recall). */
export function recallAtK(gains: readonly number[], numRelevant: number, k: number): number {
  if (numRelevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) if (gains[i] >= RELEVANCE_LEVEL) found++;
  return found / numRelevant;
}
