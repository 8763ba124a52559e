import { InvertedIndex } from "./inverted-index.js";

/** A sparse vector: term ids ascending, with weights. */
export interface SparseVector {
  terms: Int32Array;
  weights: Float64Array;
}

/**
 * TF-IDF as scikit-learn's TfidfVectorizer computes it by default: raw term counts times the smoothed
 * idf ln((1 + n) / (1 + df)) + 1, each vector L2-normalised, so a dot product is the cosine. The
 * vocabulary and document frequencies come from the texts given (the task's own items or pairs).
 */
export class TfIdf {
  private readonly idf: Float64Array;

  private constructor(
    private readonly index: InvertedIndex,
    private readonly docs: string[][],
  ) {
    const n = index.numDocs;
    this.idf = new Float64Array(index.postings.length);
    for (let t = 0; t < this.idf.length; t++) this.idf[t] = Math.log((1 + n) / (1 + index.df(t))) + 1;
  }

  static fit(tokenLists: string[][]): TfIdf {
    return new TfIdf(InvertedIndex.build(tokenLists), tokenLists);
  }

  get vocabularySize(): number {
    return this.idf.length;
  }

  /** The vector of the i-th fitted text. */
  sparse(i: number): SparseVector {
    const counts = new Map<number, number>();
    for (const tok of this.docs[i]) {
      const t = this.index.vocab.get(tok)!;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const terms = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const weights = new Float64Array(terms.length);
    let sq = 0;
    terms.forEach((t, k) => {
      weights[k] = counts.get(t)! * this.idf[t];
      sq += weights[k] * weights[k];
    });
    const norm = Math.sqrt(sq);
    if (norm > 0) for (let k = 0; k < weights.length; k++) weights[k] /= norm;
    return { terms, weights };
  }

  /** The i-th fitted text as a dense, L2-normalised row over the whole vocabulary. */
  dense(i: number): Float32Array {
    const v = this.sparse(i);
    const out = new Float32Array(this.vocabularySize);
    for (let k = 0; k < v.terms.length; k++) out[v.terms[k]] = v.weights[k];
    return out;
  }
}

/** Dot product of two sparse vectors (both sorted by term): their cosine when both are normalised. */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.terms.length && j < b.terms.length) {
    if (a.terms[i] === b.terms[j]) s += a.weights[i++] * b.weights[j++];
    else if (a.terms[i] < b.terms[j]) i++;
    else j++;
  }
  return s;
}
