import { compareIds } from "../util/hit-order.js";
import type { Hit } from "../core/bench-model.js";

/**
 * A min-heap of the k best (score, doc) pairs over documents numbered into `ids`; its root is the one a
 * better candidate displaces. O(n log k) time, O(k) memory. The order is trec_eval's (score descending,
 * ties by id descending), so the entries kept at the cut are the ones a full sort would keep.
 */
export class TopK {
  private readonly docs: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(
    private readonly k: number,
    private readonly ids: readonly string[],
  ) {
    this.docs = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  /** Whether (sa, da) ranks below (sb, db): lower score, or equal score and smaller id. */
  private worse(sa: number, da: number, sb: number, db: number): boolean {
    return sa < sb || (sa === sb && compareIds(this.ids[da], this.ids[db]) < 0);
  }

  offer(doc: number, score: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(score, doc, this.scores[parent], this.docs[parent])) break;
        this.docs[i] = this.docs[parent];
        this.scores[i] = this.scores[parent];
        i = parent;
      }
      this.docs[i] = doc;
      this.scores[i] = score;
      return;
    }
    if (!this.worse(this.scores[0], this.docs[0], score, doc)) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const child =
        r < this.size && this.worse(this.scores[r], this.docs[r], this.scores[l], this.docs[l]) ? r : l;
      if (!this.worse(this.scores[child], this.docs[child], score, doc)) break;
      this.docs[i] = this.docs[child];
      this.scores[i] = this.scores[child];
      i = child;
    }
    this.docs[i] = doc;
    this.scores[i] = score;
  }

  sorted(): Hit[] {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => {
      if (this.scores[a] !== this.scores[b]) return this.scores[b] - this.scores[a];
      return compareIds(this.ids[this.docs[b]], this.ids[this.docs[a]]);
    });
    return order.map((i) => ({ id: this.ids[this.docs[i]], score: this.scores[i] }));
  }
}
