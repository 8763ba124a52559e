import type { InvertedIndex } from "./inverted-index.js";

export interface Bm25Params {
  k1: number;
  b: number;
}

/**
 * k1 = 1.5, b = 0.75: bm25s's defaults, the BM25 baseline MTEB runs. Larger k1 lets repeated terms
 * count for longer; b is the share of length normalisation.
 */
export const BM25_DEFAULTS: Readonly<Bm25Params> = { k1: 1.5, b: 0.75 };

/**
 * BM25 in the Lucene variant (as bm25s method="lucene", after Kamphuis et al. 2020):
 *   idf(t)    = ln(1 + (N − df + 0.5) / (df + 0.5))        never negative, unlike Robertson's
 *   score(d)  = Σ over query tokens t in d of idf(t) · tf / (tf + k1 · (1 − b + b · |d| / avgdl))
 * Lucene and bm25s drop Robertson's (k1 + 1) numerator factor; it scales every score alike and so
 * changes no ranking. A query token that occurs twice counts twice, as in bm25s and a Lucene
 * BooleanQuery with a repeated clause.
 */
export class Bm25Scorer {
  private readonly idf: Float64Array;
  /** k1 · (1 − b + b · |d| / avgdl) per document. */
  private readonly norm: Float64Array;
  private readonly acc: Float64Array;
  private readonly seen: Uint8Array;

  constructor(
    readonly index: InvertedIndex,
    params: Bm25Params = BM25_DEFAULTS,
  ) {
    const n = index.numDocs;
    this.idf = new Float64Array(index.postings.length);
    for (let t = 0; t < this.idf.length; t++) {
      const df = index.df(t);
      this.idf[t] = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    }
    this.norm = new Float64Array(n);
    const avg = index.avgLength || 1;
    for (let d = 0; d < n; d++)
      this.norm[d] = params.k1 * (1 - params.b + (params.b * index.lengths[d]) / avg);
    this.acc = new Float64Array(n);
    this.seen = new Uint8Array(n);
  }

  /**
   * Scores every document that shares a term with the query. `visit` gets each such document once with
   * its score; the others score 0. The scorer's buffers are reused, so calls must not interleave.
   */
  forEachMatch(queryTokens: string[], visit: (doc: number, score: number) => void): void {
    const touched: number[] = [];
    for (const tok of queryTokens) {
      const t = this.index.vocab.get(tok);
      if (t === undefined) continue;
      const { docs, tfs } = this.index.postings[t];
      const idf = this.idf[t];
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i];
        const tf = tfs[i];
        this.acc[d] += (idf * tf) / (tf + this.norm[d]);
        if (!this.seen[d]) {
          this.seen[d] = 1;
          touched.push(d);
        }
      }
    }
    for (const d of touched) {
      visit(d, this.acc[d]);
      this.acc[d] = 0;
      this.seen[d] = 0;
    }
  }
}
