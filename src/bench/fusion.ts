/**
 * Reciprocal rank fusion (Cormack et al., 2009): each document scores the sum over the input rankings
 * of 1 / (k + rank), rank counted from 1 in score order; a ranking that does not list a document adds
 * nothing. It needs
 * no score calibration between a lexical and a dense ranking, which is why it is the usual default.
 */
import type { Hit } from "../core/bench-model.js";
import { compareHits } from "../util/hit-order.js";

/** The constant of the original paper. */
export const RRF_K = 60;

export function reciprocalRankFusion(
  rankings: readonly (readonly Hit[])[],
  k = RRF_K,
  topK = Infinity,
): Hit[] {
  const scores = new Map<string, number>();
  for (const ranking of rankings)
    [...ranking]
      .sort(compareHits)
      .forEach((h, i) => scores.set(h.id, (scores.get(h.id) ?? 0) + 1 / (k + i + 1)));
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort(compareHits)
    .slice(0, topK);
}
