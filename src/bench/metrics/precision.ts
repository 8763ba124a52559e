import { RELEVANCE_LEVEL } from "../../core/qrels.js";

/**
 * Relevant documents within the top k over k (trec_eval's P): a list shorter than k counts as padded
 * with non-relevant documents.
 */
export function precisionAtK(gains: readonly number[], k: number): number {
  let found = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) if (gains[i] >= RELEVANCE_LEVEL) found++;
  return found / k;
}
