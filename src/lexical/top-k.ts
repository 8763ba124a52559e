/**
 * The k best (score, id) entries seen, kept in a binary min-heap of size k: O(n log k) time, O(k)
 * memory. Order is score descending, ties by id descending as a string, the order MTEB and trec_eval
 * rank in, so the entries kept at the cut are the ones an exact sort would keep.
 */
export class TopK {
  private readonly scores: number[] = [];
  private readonly ids: string[] = [];

  constructor(private readonly k: number) {}

  /** True when a ranks below b. */
  private worse(sa: number, ia: string, sb: number, ib: string): boolean {
    return sa < sb || (sa === sb && ia < ib);
  }

  push(score: number, id: string): void {
    if (this.k <= 0) return;
    const { scores, ids } = this;
    if (scores.length < this.k) {
      scores.push(score);
      ids.push(id);
      this.siftUp(scores.length - 1);
    } else if (this.worse(scores[0], ids[0], score, id)) {
      scores[0] = score;
      ids[0] = id;
      this.siftDown(0);
    }
  }

  /** The kept entries, best first. */
  sorted(): { id: string; score: number }[] {
    const out = this.ids.map((id, i) => ({ id, score: this.scores[i] }));
    return out.sort((a, b) =>
      this.worse(a.score, a.id, b.score, b.id) ? 1 : this.worse(b.score, b.id, a.score, a.id) ? -1 : 0,
    );
  }

  private swap(i: number, j: number): void {
    const { scores, ids } = this;
    [scores[i], scores[j]] = [scores[j], scores[i]];
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(this.scores[i], this.ids[i], this.scores[p], this.ids[p])) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.scores.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.worse(this.scores[l], this.ids[l], this.scores[m], this.ids[m])) m = l;
      if (r < n && this.worse(this.scores[r], this.ids[r], this.scores[m], this.ids[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
