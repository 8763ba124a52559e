/** Postings of one term: the documents that contain it (ascending) and how often. */
export interface Postings {
  docs: Int32Array;
  tfs: Float32Array;
}

/** A term → postings index over tokenised documents, with the length statistics BM25 needs. */
export class InvertedIndex {
  private constructor(
    readonly vocab: Map<string, number>,
    readonly postings: Postings[],
    /** Tokens per document (the BM25 document length). */
    readonly lengths: Float64Array,
    readonly avgLength: number,
  ) {}

  get numDocs(): number {
    return this.lengths.length;
  }

  df(term: number): number {
    return this.postings[term].docs.length;
  }

  static build(docs: Iterable<string[]>): InvertedIndex {
    const vocab = new Map<string, number>();
    const docLists: number[][] = [];
    const tfLists: number[][] = [];
    const lengths: number[] = [];
    let d = 0;
    for (const tokens of docs) {
      const counts = new Map<number, number>();
      for (const t of tokens) {
        let id = vocab.get(t);
        if (id === undefined) {
          id = vocab.size;
          vocab.set(t, id);
          docLists.push([]);
          tfLists.push([]);
        }
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      for (const [id, tf] of counts) {
        docLists[id].push(d);
        tfLists[id].push(tf);
      }
      lengths.push(tokens.length);
      d++;
    }
    const postings = docLists.map((docs, i) => ({
      docs: Int32Array.from(docs),
      tfs: Float32Array.from(tfLists[i]),
    }));
    const total = lengths.reduce((s, l) => s + l, 0);
    return new InvertedIndex(
      vocab,
      postings,
      Float64Array.from(lengths),
      lengths.length ? total / lengths.length : 0,
    );
  }
}
