import { RELEVANCE_LEVEL } from "../../core/qrels.js";

/** 1 / rank of the first relevant document within the top k, 0 when there is none. */
export function reciprocalRankAtK(gains: readonly number[], k: number): number {
  for (let i = 0; i < Math.min(k, gains.length); i++) if (gains[i] >= RELEVANCE_LEVEL) return 1 / (i + 1);
  return 0;
}
