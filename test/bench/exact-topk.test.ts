import { describe, expect, it } from "vitest";
import { compareHits } from "../../src/util/hit-order.js";
import type { Hit } from "../../src/core/bench-model.js";
import { Prng } from "../../src/bench/cluster/prng.js";
import { normalize } from "../../src/util/vector.js";
import { exactTopK, packRows } from "../../src/store/exact.js";

function randomRows(n: number, dim: number, rng: Prng, levels?: number): Float32Array[] {
  return Array.from({ length: n }, () => {
    const v = new Float32Array(dim);
    // Few distinct levels make many exact score ties, which exercise the id tie-break.
    for (let j = 0; j < dim; j++) v[j] = levels ? rng.int(levels) - 1 : rng.next() * 2 - 1;
    return normalize(v);
  });
}

function bruteForce(queries: Float32Array[], corpus: Float32Array[], ids: string[], k: number): Hit[][] {
  return queries.map((q) => {
    const all = corpus.map((c, i) => {
      let s = 0;
      for (let j = 0; j < q.length; j++) s += q[j] * c[j];
      return { id: ids[i], score: s };
    });
    return all.sort(compareHits).slice(0, k);
  });
}

describe("exact dense top-k", () => {
  const rng = new Prng(42);
  const ids = Array.from({ length: 500 }, (_, i) => `doc-${(i * 7919) % 1000}`);

  it("equals a full brute-force sort on random data, across block sizes", () => {
    const corpus = randomRows(500, 24, rng);
    const queries = randomRows(37, 24, rng);
    const expected = bruteForce(queries, corpus, ids, 50);
    for (const [queryBlock, corpusBlock] of [
      [256, 4096],
      [7, 64],
      [1, 1],
    ]) {
      expect(exactTopK(queries, corpus, ids, 50, { queryBlock, corpusBlock })).toEqual(expected);
    }
  });

  it("breaks exact ties by id descending, as trec_eval does", () => {
    const corpus = randomRows(500, 6, rng, 3);
    const queries = randomRows(20, 6, rng, 3);
    const expected = bruteForce(queries, corpus, ids, 40);
    const got = exactTopK(packRows(queries), packRows(corpus), ids, 40, { queryBlock: 8, corpusBlock: 33 });
    expect(got).toEqual(expected);
    const tied = got.flatMap((list) => list.filter((h, i) => i > 0 && h.score === list[i - 1].score));
    expect(tied.length).toBeGreaterThan(50);
  });

  it("returns the whole corpus, ordered, when k exceeds it", () => {
    const corpus = randomRows(30, 5, rng);
    const queries = randomRows(3, 5, rng);
    const got = exactTopK(queries, corpus, ids.slice(0, 30), 1000, { corpusBlock: 8 });
    expect(got.map((l) => l.length)).toEqual([30, 30, 30]);
    expect(got).toEqual(bruteForce(queries, corpus, ids.slice(0, 30), 1000));
  });

  it("rejects mismatched ids and dimensions", () => {
    const corpus = randomRows(4, 5, rng);
    expect(() => exactTopK(randomRows(1, 5, rng), corpus, ["a"], 2)).toThrow(/1 ids for 4 corpus rows/);
    expect(() => exactTopK(randomRows(1, 3, rng), corpus, ["a", "b", "c", "d"], 2)).toThrow(/dimension/);
  });
});
