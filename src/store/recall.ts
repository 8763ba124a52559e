/**
 * Recall@k of an approximate ranking against the exact one: the share of the exact top k that the
 * approximate top k also found, averaged over queries. Ids, not scores, so ties at the k-th place
 * may cost a little recall even when the approximate search is exact.
 */
export function recallAtK(
  approx: readonly (readonly string[])[],
  exact: readonly (readonly string[])[],
  k: number,
): number {
  if (approx.length !== exact.length)
    throw new Error(`recallAtK: ${approx.length} approximate rankings for ${exact.length} exact ones`);
  let sum = 0;
  let counted = 0;
  exact.forEach((truth, q) => {
    const want = truth.slice(0, k);
    if (want.length === 0) return;
    const got = new Set(approx[q].slice(0, k));
    sum += want.filter((id) => got.has(id)).length / want.length;
    counted++;
  });
  return counted ? sum / counted : 0;
}
