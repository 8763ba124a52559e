import { describe, expect, it } from "vitest";
import { Bm25Scorer } from "../../src/lexical/bm25-scorer.js";
import { createBm25Model } from "../../src/lexical/bm25.js";
import { InvertedIndex } from "../../src/lexical/inverted-index.js";
import { tokenize } from "../../src/lexical/tokenize.js";

const hint = { name: "t", type: "retrieval" as const };
// Space-separated ASCII words, so that the terms are plain to see (jieba drops the spaces).
const corpus = [
  { id: "d1", text: "apple banana apple" }, // 3 terms
  { id: "d2", text: "banana cherry" }, // 2 terms
  { id: "d3", text: "date elder fig", title: "cherry" }, // 4 terms with its title
];

// By hand, N = 3, avgdl = 3, k1 = 1.5, b = 0.75:
//   idf(apple)  = ln(1 + (3 - 1 + 0.5) / (1 + 0.5)) = ln(8/3)
//   idf(cherry) = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6)
//   k1(1 - b + b·|d|/avgdl): d1 1.5, d2 1.125, d3 1.875
const d1 = (Math.log(8 / 3) * 2) / (2 + 1.5);
const d2 = Math.log(1.6) / (1 + 1.125);
const d3 = Math.log(1.6) / (1 + 1.875);

describe("BM25 (Lucene variant, k1 = 1.5, b = 0.75)", () => {
  it("matches scores computed by hand on a three-document corpus", async () => {
    const [hits] = await createBm25Model().retrieve([{ id: "q", text: "apple cherry" }], corpus, 10, hint);
    expect(hits.map((h) => h.id)).toEqual(["d1", "d2", "d3"]);
    expect(hits[0].score).toBeCloseTo(d1, 12);
    expect(hits[1].score).toBeCloseTo(d2, 12);
    expect(hits[2].score).toBeCloseTo(d3, 12);
  });

  it("cuts at k, fills with zero-score documents in trec order, counts a repeated query term twice", async () => {
    const model = createBm25Model();
    const [top2, cherry2, none] = await model.retrieve(
      [
        { id: "a", text: "apple cherry" },
        { id: "b", text: "cherry cherry" },
        { id: "c", text: "kiwi" },
      ],
      corpus,
      2,
      hint,
    );
    expect(top2.map((h) => h.id)).toEqual(["d1", "d2"]);
    expect(cherry2.map((h) => h.id)).toEqual(["d2", "d3"]);
    expect(cherry2[0].score).toBeCloseTo(2 * d2, 12);
    // No document shares a term with "kiwi": the list is still k long, ties at 0 by id descending.
    expect(none).toEqual([
      { id: "d3", score: 0 },
      { id: "d2", score: 0 },
    ]);
  });

  it("scores candidates with the statistics of the task's candidate pool, in the candidates' order", async () => {
    const model = createBm25Model();
    const [x, y] = await model.scoreCandidates(
      [
        { id: "a", text: "apple cherry" },
        { id: "b", text: "cherry" },
      ],
      [
        [corpus[2], corpus[0]],
        [corpus[1], corpus[0]],
      ],
      { name: "t", type: "reranking" },
    );
    // The pool is all three documents: the same statistics as above.
    expect(x[0]).toBeCloseTo(d3, 12);
    expect(x[1]).toBeCloseTo(d1, 12);
    expect(y[0]).toBeCloseTo(d2, 12);
    expect(y[1]).toBe(0);
    // A pool of d2 and d3 only: N = 2, df(cherry) = 2, avgdl = 3 still.
    const [[s2, s3]] = await model.scoreCandidates(
      [{ id: "b", text: "cherry" }],
      [[corpus[1], corpus[2]]],
      hint,
    );
    expect(s2).toBeCloseTo(Math.log(1.2) / (1 + 1.125), 12);
    expect(s3).toBeCloseTo(Math.log(1.2) / (1 + 1.875), 12);
  });

  it("other k1 and b change the length normalisation as the formula says", () => {
    const scorer = new Bm25Scorer(InvertedIndex.build([["x", "y"], ["x"]]), { k1: 1.2, b: 0 });
    const got = new Map<number, number>();
    scorer.forEachMatch(["x"], (d, s) => got.set(d, s));
    const idf = Math.log(1 + 0.5 / 2.5);
    // b = 0: no length normalisation, both documents score idf · 1 / (1 + 1.2).
    expect(got.get(0)).toBeCloseTo(idf / 2.2, 12);
    expect(got.get(1)).toBeCloseTo(idf / 2.2, 12);
  });
});

describe("TF-IDF cosine for STS and clustering", () => {
  it("similarity is the cosine of smoothed-idf TF-IDF vectors fitted on the pair set", async () => {
    const [sim, same, disjoint] = await createBm25Model().similarity(
      ["apple banana", "kiwi", "kiwi"],
      ["apple cherry", "kiwi", "fig"],
      { name: "s", type: "sts" },
    );
    // Six texts; apple df 2 → idf ln(7/3)+1, banana/cherry df 1 → ln(7/2)+1.
    const a = Math.log(7 / 3) + 1;
    const x = Math.log(7 / 2) + 1;
    expect(sim).toBeCloseTo((a * a) / (a * a + x * x), 12);
    expect(same).toBeCloseTo(1, 12);
    expect(disjoint).toBe(0);
    await expect(createBm25Model().similarity(["a"], [], { name: "s", type: "sts" })).rejects.toThrow(
      /1 first/,
    );
  });

  it("vectors are dense, normalised rows over the items' vocabulary", async () => {
    const v = await createBm25Model().vectors(["apple banana", "apple cherry", "fig"], {
      name: "c",
      type: "clustering",
    });
    expect(v.map((r) => r.length)).toEqual([4, 4, 4]);
    for (const r of v) expect(Math.hypot(...r)).toBeCloseTo(1, 6);
    const dot = v[0].reduce((s, x, i) => s + x * v[1][i], 0);
    const a = Math.log(4 / 3) + 1;
    const x = Math.log(4 / 2) + 1;
    expect(dot).toBeCloseTo((a * a) / (a * a + x * x), 6);
    expect(v[2].reduce((s, x, i) => s + x * v[0][i], 0)).toBe(0);
  });
});

describe("jieba tokens", () => {
  it("segments Chinese with the bundled dictionary, NFKC-folds, lower-cases, drops punctuation and spaces", () => {
    expect(tokenize("高血压患者能吃党参吗？我有高血压 BMI，ＨｂＡ１ｃ 7.0%")).toEqual([
      "高血压",
      "患者",
      "能",
      "吃",
      "党参",
      "吗",
      "我",
      "有",
      "高血压",
      "bmi",
      "hba1c",
      "7.0%",
    ]);
    expect(tokenize(" ，。？！……  ")).toEqual([]);
  });
});
