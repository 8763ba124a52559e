import { RELEVANCE_LEVEL } from "../../core/qrels.js";

/**
 * Average precision cut at k (trec_eval's map_cut): precision at each relevant document within the top
 * k, summed and divided by the number of relevant documents of the query, not min(R, k).
 */
export function averagePrecisionAtK(gains: readonly number[], numRelevant: number, k: number): number {
  if (numRelevant === 0) return 0;
  let found = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) {
    if (gains[i] >= RELEVANCE_LEVEL) {
      found++;
      sum += found / (i + 1);
    }
  }
  return sum / numRelevant;
}
