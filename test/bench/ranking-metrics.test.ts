import { describe, expect, it } from "vitest";
import {
  averagePrecisionAtK,
  compareIds,
  judge,
  ndcgAtK,
  precisionAtK,
  rankingScores,
  recallAtK,
  reciprocalRankAtK,
  trecOrder,
} from "../../src/bench/metrics/index.js";
import type { Hit } from "../../src/core/bench-model.js";
import type { Qrels } from "../../src/core/qrels.js";

const hits = (pairs: [string, number][]): Hit[] => pairs.map(([id, score]) => ({ id, score }));
const qrelsOf = (o: Record<string, Record<string, number>>): Qrels =>
  new Map(Object.entries(o).map(([q, d]) => [q, new Map(Object.entries(d))]));

describe("trec_eval ranking order", () => {
  it("sorts by score descending and breaks ties by id descending in strcmp order", () => {
    const ordered = trecOrder(
      hits([
        ["d4", 0.1],
        ["d10", 0.5],
        ["d2", 0.5],
        ["d1", 0.9],
        ["d3", 0.5],
      ]),
      "q",
    );
    // "d3" > "d2" > "d10" byte-wise, so among the 0.5 ties d3 ranks first and d10 last.
    expect(ordered.map((h) => h.id)).toEqual(["d1", "d3", "d2", "d10", "d4"]);
  });

  it("orders numeric-looking ids as strings, not numbers", () => {
    expect(
      trecOrder(
        hits([
          ["10", 1],
          ["9", 1],
          ["100", 1],
        ]),
        "q",
      ).map((h) => h.id),
    ).toEqual(["9", "100", "10"]);
  });

  it("compares ids in UTF-8 byte order (code points), like strcmp", () => {
    const ids = ["\uFFFF", "\u{10000}", "a", "é", "中", "\uE000", "\u{1F600}", "ab", ""];
    const byBytes = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...ids].sort(compareIds)).toEqual(byBytes);
    // JS's own comparison gets the astral character wrong, which is why compareIds exists.
    expect("\u{10000}" < "\uFFFF").toBe(true);
    expect(compareIds("\u{10000}", "\uFFFF")).toBeGreaterThan(0);
  });

  it("rejects a document ranked twice and a NaN score, naming the query", () => {
    expect(() =>
      trecOrder(
        hits([
          ["a", 1],
          ["b", 0.5],
          ["a", 0.2],
        ]),
        "q7",
      ),
    ).toThrow('query "q7": document "a" is ranked twice');
    expect(() => trecOrder(hits([["a", NaN]]), "q7")).toThrow(/NaN/);
  });
});

describe("per-query ranking metrics (hand-computed)", () => {
  // Ranked: d1 (judged 0), d3 (unjudged), d2 (2), d10 (1), d4 (unjudged); d5 (1) is relevant but not retrieved.
  const ordered = trecOrder(
    hits([
      ["d1", 0.9],
      ["d2", 0.5],
      ["d3", 0.5],
      ["d10", 0.5],
      ["d4", 0.1],
    ]),
    "q",
  );
  const j = judge(
    ordered,
    new Map([
      ["d2", 2],
      ["d10", 1],
      ["d5", 1],
      ["d1", 0],
    ]),
  );

  it("reads graded judgments at each rank and counts every relevant document", () => {
    expect(j.gains).toEqual([0, 0, 2, 1, 0]);
    expect(j.numRelevant).toBe(3);
    expect(j.idealGains).toEqual([2, 1, 1]);
  });

  it("nDCG uses the graded gain, log2(rank + 1), and an ideal over all judged relevant documents", () => {
    const idcg3 = 2 / 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(j.gains, j.idealGains, 1)).toBe(0);
    expect(ndcgAtK(j.gains, j.idealGains, 3)).toBeCloseTo(2 / Math.log2(4) / idcg3, 12);
    expect(ndcgAtK(j.gains, j.idealGains, 5)).toBeCloseTo((2 / Math.log2(4) + 1 / Math.log2(5)) / idcg3, 12);
    // k beyond the list: nothing more is gained, the ideal has only three documents.
    expect(ndcgAtK(j.gains, j.idealGains, 1000)).toBe(ndcgAtK(j.gains, j.idealGains, 5));
  });

  it("average precision divides by all relevant documents, not min(R, k)", () => {
    expect(averagePrecisionAtK(j.gains, j.numRelevant, 2)).toBe(0);
    expect(averagePrecisionAtK(j.gains, j.numRelevant, 3)).toBeCloseTo(1 / 3 / 3, 12);
    expect(averagePrecisionAtK(j.gains, j.numRelevant, 10)).toBeCloseTo((1 / 3 + 2 / 4) / 3, 12);
  });

  it("recall, precision (over k, even past the list) and reciprocal rank", () => {
    expect(recallAtK(j.gains, j.numRelevant, 3)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(j.gains, j.numRelevant, 100)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(j.gains, 3)).toBeCloseTo(1 / 3, 12);
    expect(precisionAtK(j.gains, 5)).toBeCloseTo(2 / 5, 12);
    expect(precisionAtK(j.gains, 10)).toBeCloseTo(2 / 10, 12);
    expect(reciprocalRankAtK(j.gains, 1)).toBe(0);
    expect(reciprocalRankAtK(j.gains, 2)).toBe(0);
    expect(reciprocalRankAtK(j.gains, 3)).toBeCloseTo(1 / 3, 12);
  });

  it("a judgment of 0 or below is not relevant and adds no gain", () => {
    const g = judge(
      hits([
        ["x", 1],
        ["y", 0.5],
      ]),
      new Map([
        ["x", -1],
        ["y", 1],
      ]),
    );
    expect(g.gains).toEqual([-1, 1]);
    expect(g.numRelevant).toBe(1);
    expect(ndcgAtK(g.gains, g.idealGains, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(reciprocalRankAtK(g.gains, 10)).toBe(0.5);
  });
});

describe("rankingScores", () => {
  it("drops queries without a relevant document and averages over the rest", () => {
    const qrels = qrelsOf({
      qa: { a1: 1, a2: 0 },
      qb: { b1: 0 }, // no relevant document: dropped
      qc: { c1: 2 }, // relevant, but ranked nothing: counts as 0
    });
    const run = new Map([
      [
        "qa",
        hits([
          ["a2", 0.9],
          ["a1", 0.8],
        ]),
      ],
      ["qb", hits([["b1", 0.9]])],
      ["qc", []],
    ]);
    const { scores, queries } = rankingScores(run, qrels);
    expect(queries).toEqual(["qa", "qc"]);
    expect(scores.mrr_at_10).toBeCloseTo((1 / 2 + 0) / 2, 12);
    expect(scores.ndcg_at_10).toBeCloseTo(1 / Math.log2(3) / 2, 12);
    expect(scores.map_at_1000).toBeCloseTo(1 / 2 / 2, 12);
    expect(scores.recall_at_1).toBe(0);
    expect(scores.recall_at_3).toBeCloseTo(0.5, 12);
    expect(scores.precision_at_1000).toBeCloseTo(1 / 1000 / 2, 12);
    expect(Object.keys(scores)).toHaveLength(5 * 7);
  });

  it("ties change the score only through the id tie-break", () => {
    const qrels = qrelsOf({ q: { b: 1 } });
    // b and a tie; b > a, so b ranks first.
    expect(
      rankingScores(
        new Map([
          [
            "q",
            hits([
              ["a", 1],
              ["b", 1],
            ]),
          ],
        ]),
        qrels,
      ).scores.mrr_at_10,
    ).toBe(1);
    const qrels2 = qrelsOf({ q: { a: 1 } });
    expect(
      rankingScores(
        new Map([
          [
            "q",
            hits([
              ["a", 1],
              ["b", 1],
            ]),
          ],
        ]),
        qrels2,
      ).scores.mrr_at_10,
    ).toBe(0.5);
  });

  it("refuses a ranking with a duplicated document and a task with no relevant judgment", () => {
    const qrels = qrelsOf({ q: { a: 1 } });
    expect(() =>
      rankingScores(
        new Map([
          [
            "q",
            hits([
              ["a", 1],
              ["a", 0.5],
            ]),
          ],
        ]),
        qrels,
      ),
    ).toThrow(/ranked twice/);
    expect(() => rankingScores(new Map(), qrelsOf({ q: { a: 0 } }))).toThrow(
      /no query has a document judged relevant/,
    );
  });
});
