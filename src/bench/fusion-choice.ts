import type { Hit } from "../core/bench-model.js";
import type { Qrels } from "../core/qrels.js";
import type { Fusion } from "../core/spec.js";
import { fuseRankings } from "../lexical/fusion.js";
import { compareHits } from "../util/hit-order.js";
import { judge } from "./metrics/judgments.js";
import { ndcgAtK } from "./metrics/ndcg.js";

/** Fusions worth trying on dev queries: RRF, and blends from a light to an even dense share. */
export const FUSION_CANDIDATES: readonly Fusion[] = [
  { method: "rrf", k: 60 },
  { method: "blend", weight: 0.1 },
  { method: "blend", weight: 0.2 },
  { method: "blend", weight: 0.3 },
  { method: "blend", weight: 0.5 },
];

export interface FusionChoice {
  /** The candidate with the best mean nDCG@10; the first listed among equals. */
  best: Fusion;
  /** Mean nDCG@10 of BM25 alone, the dense model alone, and each candidate, in the candidates' order. */
  lexical: number;
  dense: number;
  fused: { fusion: Fusion; ndcg10: number }[];
}

/**
 * Scores BM25, the dense model and each fusion of the two on labelled queries (mean nDCG@10, as the
 * suite's retrieval tasks), for choosing how to fuse on a split held apart from evaluation. The
 * rankings are per query, in `queryIds`' order.
 */
export function chooseFusion(
  queryIds: readonly string[],
  lexical: readonly (readonly Hit[])[],
  dense: readonly (readonly Hit[])[],
  qrels: Qrels,
  candidates: readonly Fusion[] = FUSION_CANDIDATES,
): FusionChoice {
  const mean = (rank: (i: number) => readonly Hit[]): number => {
    let sum = 0;
    queryIds.forEach((q, i) => {
      const { gains, idealGains } = judge([...rank(i)].sort(compareHits), qrels.get(q) ?? new Map());
      sum += ndcgAtK(gains, idealGains, 10);
    });
    return queryIds.length ? sum / queryIds.length : 0;
  };
  const fused = candidates.map((fusion) => ({
    fusion,
    ndcg10: mean((i) => fuseRankings(lexical[i], dense[i], fusion)),
  }));
  const best = fused.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  return { best: best.fusion, lexical: mean((i) => lexical[i]), dense: mean((i) => dense[i]), fused };
}
