import type { Hit } from "../core/bench-model.js";
import { docText, type Doc } from "../core/doc.js";
import { TopK } from "../store/top-k.js";
import type { Progress } from "../util/progress.js";
import { BM25_DEFAULTS, Bm25Scorer, type Bm25Params } from "./bm25-scorer.js";
import { InvertedIndex } from "./inverted-index.js";
import { tokenize } from "./tokenize.js";

/** A corpus indexed for BM25 (title and text joined): the best documents for a query text. */
export class Bm25Search {
  private readonly ids: string[];

  private constructor(
    private readonly scorer: Bm25Scorer,
    corpus: readonly Doc[],
  ) {
    this.ids = corpus.map((d) => d.id);
  }

  static build(corpus: readonly Doc[], params: Bm25Params = BM25_DEFAULTS, progress?: Progress): Bm25Search {
    const tokens = (function* () {
      for (const d of corpus) {
        yield tokenize(docText(d));
        progress?.tick();
      }
    })();
    return new Bm25Search(new Bm25Scorer(InvertedIndex.build(tokens), params), corpus);
  }

  /**
   * The k best documents, best first. With `fill`, documents sharing no term with the query fill the
   * list at score 0, a full ranking as bm25s returns (what an evaluator needs: a query without a match
   * still appears in the run); without, only matching documents come back (what a miner needs: a
   * "negative" that shares nothing with the query teaches nothing).
   */
  search(query: string, k: number, fill: boolean): Hit[] {
    const top = new TopK(k, this.ids);
    const matched = fill ? new Uint8Array(this.ids.length) : undefined;
    let count = 0;
    this.scorer.forEachMatch(tokenize(query), (d, s) => {
      top.offer(d, s);
      if (matched) matched[d] = 1;
      count++;
    });
    if (matched && count < k) for (let d = 0; d < matched.length; d++) if (!matched[d]) top.offer(d, 0);
    return top.sorted();
  }
}
