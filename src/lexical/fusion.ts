import type { Hit } from "../core/bench-model.js";
import { CareError } from "../core/errors.js";
import type { Fusion } from "../core/spec.js";
import { compareHits } from "../util/hit-order.js";

/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): each document scores
 * Σ over the lists that hold it of weight / (k + rank), rank counted from 1. Only positions matter, so
 * lists whose scores live on unrelated scales (BM25's unbounded sums, cosines) fuse without tuning.
 * Lists are rankings, best first; the result is best first, ties in trec_eval's order.
 */
export function reciprocalRankFusion(
  lists: readonly (readonly Hit[])[],
  k: number,
  weights: readonly number[] = lists.map(() => 1),
): Hit[] {
  checkLists(lists, weights);
  if (!(k >= 0)) throw new CareError(`reciprocal rank fusion: k must be ≥ 0, got ${k}`);
  const fused = new Map<string, number>();
  lists.forEach((list, i) =>
    list.forEach((h, r) => fused.set(h.id, (fused.get(h.id) ?? 0) + weights[i] / (k + r + 1))),
  );
  return ranked(fused);
}

/**
 * Score blending: each list's scores are min-max normalised to [0, 1] over the list, then summed with
 * the weights; a document missing from a list gets 0 from it, as if it were that list's worst. A list
 * whose scores are all equal expresses no order among its documents, only that it holds them: each
 * gets 1.
 */
export function blendScores(lists: readonly (readonly Hit[])[], weights: readonly number[]): Hit[] {
  checkLists(lists, weights);
  const fused = new Map<string, number>();
  lists.forEach((list, i) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of list) {
      if (!Number.isFinite(h.score))
        throw new CareError(`score blending: document "${h.id}" has a non-finite score (${h.score})`);
      lo = Math.min(lo, h.score);
      hi = Math.max(hi, h.score);
    }
    for (const h of list) {
      const norm = hi > lo ? (h.score - lo) / (hi - lo) : 1;
      fused.set(h.id, (fused.get(h.id) ?? 0) + weights[i] * norm);
    }
  });
  return ranked(fused);
}

/**
 * A hybrid model's ranking: the BM25 list and the dense list fused as `fusion` says (rrf: equal
 * weights; blend: the dense list weighs `weight`, BM25 `1 − weight`).
 */
export function fuseRankings(lexical: readonly Hit[], dense: readonly Hit[], fusion: Fusion): Hit[] {
  return fusion.method === "rrf"
    ? reciprocalRankFusion([lexical, dense], fusion.k)
    : blendScores([lexical, dense], [1 - fusion.weight, fusion.weight]);
}

function checkLists(lists: readonly (readonly Hit[])[], weights: readonly number[]): void {
  if (weights.length !== lists.length)
    throw new CareError(`fusion: ${lists.length} rankings but ${weights.length} weights`);
  for (const w of weights)
    if (!(w >= 0 && Number.isFinite(w))) throw new CareError(`fusion: weight ${w} must be finite and ≥ 0`);
  lists.forEach((list, i) => {
    const seen = new Set<string>();
    for (const h of list) {
      if (seen.has(h.id)) throw new CareError(`fusion: ranking ${i + 1} lists document "${h.id}" twice`);
      seen.add(h.id);
    }
  });
}

function ranked(fused: Map<string, number>): Hit[] {
  return [...fused].map(([id, score]) => ({ id, score })).sort(compareHits);
}
