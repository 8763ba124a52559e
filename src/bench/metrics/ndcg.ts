/**
 * nDCG at k as trec_eval's ndcg_cut computes it: gain is the graded judgment itself, the document at
 * rank r (1-based) is discounted by log2(r + 1), and the ideal DCG ranks every positively judged
 * document of the query (retrieved or not), cut at the same k.
 */
export function ndcgAtK(gains: readonly number[], idealGains: readonly number[], k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, gains.length); i++) {
    if (gains[i] > 0) dcg += gains[i] / Math.log2(i + 2);
  }
  let ideal = 0;
  for (let i = 0; i < Math.min(k, idealGains.length); i++) ideal += idealGains[i] / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}
