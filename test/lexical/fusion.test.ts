import { describe, expect, it } from "vitest";
import { blendScores, fuseRankings, reciprocalRankFusion } from "../../src/lexical/fusion.js";
import { hybridModel } from "../../src/bench/hybrid-model.js";
import { chooseFusion } from "../../src/bench/fusion-choice.js";
import type { BenchModel } from "../../src/core/bench-model.js";

const lexical = [
  { id: "a", score: 12 },
  { id: "b", score: 8 },
  { id: "c", score: 2 },
];
const dense = [
  { id: "c", score: 0.9 },
  { id: "d", score: 0.7 },
  { id: "a", score: 0.5 },
];

describe("reciprocal rank fusion", () => {
  it("sums 1 / (k + rank) over the lists, as computed by hand", () => {
    // k = 60: a = 1/61 + 1/63, c = 1/63 + 1/61 (a tie), b = 1/62, d = 1/62 (a tie).
    const fused = reciprocalRankFusion([lexical, dense], 60);
    expect(fused.map((h) => h.score)).toEqual([1 / 61 + 1 / 63, 1 / 61 + 1 / 63, 1 / 62, 1 / 62]);
    // Ties in trec_eval's order: document id descending.
    expect(fused.map((h) => h.id)).toEqual(["c", "a", "d", "b"]);
  });

  it("lets k = 0 and weights change the order", () => {
    // k = 0, weights 1 and 3: a = 1 + 3/3 = 2, b = 1/2, c = 1/3 + 3 = 3.333…, d = 3/2.
    const fused = reciprocalRankFusion([lexical, dense], 0, [1, 3]);
    expect(fused.map((h) => h.id)).toEqual(["c", "a", "d", "b"]);
    expect(fused.map((h) => h.score)).toEqual([1 / 3 + 3, 2, 1.5, 0.5]);
  });

  it("refuses a ranking that lists a document twice, and mismatched weights", () => {
    expect(() => reciprocalRankFusion([[...lexical, { id: "a", score: 1 }]], 60)).toThrow(
      /ranking 1 lists document "a" twice/,
    );
    expect(() => reciprocalRankFusion([lexical, dense], 60, [1])).toThrow(/2 rankings but 1 weights/);
  });
});

describe("score blending", () => {
  it("min-max normalises each list and sums with the weights, as computed by hand", () => {
    // lexical: a (12−2)/10 = 1, b 0.6, c 0. dense: c 1, d 0.5, a 0.
    // weights 0.25 / 0.75: a 0.25, b 0.15, c 0.75, d 0.375.
    const fused = blendScores([lexical, dense], [0.25, 0.75]);
    expect(fused.map((h) => h.id)).toEqual(["c", "d", "a", "b"]);
    const byId = Object.fromEntries(fused.map((h) => [h.id, h.score]));
    expect(byId.a).toBeCloseTo(0.25, 12);
    expect(byId.b).toBeCloseTo(0.15, 12);
    expect(byId.c).toBeCloseTo(0.75, 12);
    expect(byId.d).toBeCloseTo(0.375, 12);
  });

  it("gives every document of a constant list the full share", () => {
    const fused = blendScores([[{ id: "x", score: 3 }], dense], [0.5, 0.5]);
    // x: 0.5 · 1, c: 0.5 · 1 (a tie, id descending), d: 0.25, a: 0.
    expect(fused.map((h) => h.id)).toEqual(["x", "c", "d", "a"]);
    [0.5, 0.5, 0.25, 0].forEach((s, i) => expect(fused[i].score).toBeCloseTo(s, 12));
  });
});

describe("fuseRankings (BM25 first, dense second)", () => {
  it("blend weight 1 is the dense ranking and weight 0 the BM25 ranking", () => {
    const denseOnly = fuseRankings(lexical, dense, { method: "blend", weight: 1 });
    // a is dense's worst (0) and b absent from it (0): tied, in id order descending.
    expect(denseOnly.map((h) => h.id)).toEqual(["c", "d", "b", "a"]);
    [1, 0.5, 0, 0].forEach((s, i) => expect(denseOnly[i].score).toBeCloseTo(s, 12));
    const lexicalOnly = fuseRankings(lexical, dense, { method: "blend", weight: 0 });
    expect(lexicalOnly.slice(0, 2).map((h) => h.id)).toEqual(["a", "b"]);
  });

  it("rrf is reciprocalRankFusion with equal weights", () => {
    expect(fuseRankings(lexical, dense, { method: "rrf", k: 60 })).toEqual(
      reciprocalRankFusion([lexical, dense], 60),
    );
  });
});

/** A dense model that ranks the corpus by a fixed preference list (best first). */
function fixedDense(order: string[]): BenchModel {
  const score = (id: string) => 1 - order.indexOf(id) / order.length;
  return {
    name: "hf:fixed",
    async retrieve(queries, corpus, topK) {
      return queries.map(() =>
        corpus
          .map((d) => ({ id: d.id, score: score(d.id) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, topK),
      );
    },
    async scoreCandidates(_queries, candidates) {
      return candidates.map((list) => list.map((d) => score(d.id)));
    },
    async similarity(a) {
      return a.map(() => 0.5);
    },
    async vectors(texts) {
      return texts.map(() => new Float32Array([1]));
    },
  };
}

describe("the hybrid BenchModel", () => {
  const hint = { name: "t", type: "retrieval" as const };
  const corpus = [
    { id: "d1", text: "apple banana" },
    { id: "d2", text: "cherry" },
    { id: "d3", text: "date" },
  ];

  it("fuses BM25's matching documents with the dense ranking, and names itself by its spec", async () => {
    const model = hybridModel(fixedDense(["d3", "d2", "d1"]), { method: "rrf", k: 60 });
    expect(model.name).toBe("hybrid:hf:fixed");
    // BM25 matches only d1 (rank 1); dense ranks d3, d2, d1.
    // d1 = 1/61 + 1/63, d3 = 1/61, d2 = 1/62.
    const [hits] = await model.retrieve([{ id: "q", text: "apple" }], corpus, 3, hint);
    expect(hits).toEqual([
      { id: "d1", score: 1 / 61 + 1 / 63 },
      { id: "d3", score: 1 / 61 },
      { id: "d2", score: 1 / 62 },
    ]);
    // Cut to topK after fusing: each side ranks topK, so d1, last of dense's top 3, is not in its top 2.
    const [two] = await model.retrieve([{ id: "q", text: "apple" }], corpus, 2, hint);
    expect(two.map((h) => h.id)).toEqual(["d3", "d1"]);
  });

  it("fuses reranking scores per candidate list, in the candidates' order", async () => {
    const model = hybridModel(fixedDense(["d3", "d2", "d1"]), { method: "blend", weight: 0.5 });
    expect(model.name).toBe("hybrid(blend=0.5):hf:fixed");
    // BM25: d1 alone matches (normalised 1). dense: d3 1, d2 0.5, d1 0 (normalised over the list).
    const [scores] = await model.scoreCandidates([{ id: "q", text: "apple" }], [corpus], hint);
    expect(scores[0]).toBeCloseTo(0.5, 12);
    expect(scores[1]).toBeCloseTo(0.25, 12);
    expect(scores[2]).toBeCloseTo(0.5, 12);
  });
});

describe("chooseFusion (picking a fusion on labelled dev queries)", () => {
  it("scores BM25, dense and each fusion by mean nDCG@10 and picks the best", () => {
    // One query, d2 relevant. BM25 ranks d1, d2; dense ranks d2 first, d3, then d1.
    const qrels = new Map([["q", new Map([["d2", 1]])]]);
    const lexicalRun = [
      [
        { id: "d1", score: 10 },
        { id: "d2", score: 9 },
      ],
    ];
    const denseRun = [
      [
        { id: "d2", score: 0.9 },
        { id: "d3", score: 0.5 },
        { id: "d1", score: 0.1 },
      ],
    ];
    const choice = chooseFusion(["q"], lexicalRun, denseRun, qrels, [
      { method: "blend", weight: 0.1 },
      { method: "rrf", k: 60 },
    ]);
    // BM25: d2 at rank 2 → 1/log2(3). Dense: rank 1 → 1.
    expect(choice.lexical).toBeCloseTo(1 / Math.log2(3), 12);
    expect(choice.dense).toBe(1);
    // blend 0.1: d1 = 0.9·1 + 0.1·0 = 0.9, d2 = 0.9·0 + 0.1·1 = 0.1 → d2 second.
    // rrf: d2 = 1/62 + 1/61 > d1 = 1/61 + 1/63 → d2 first.
    expect(choice.fused.map((f) => f.ndcg10)).toEqual([1 / Math.log2(3), 1]);
    expect(choice.best).toEqual({ method: "rrf", k: 60 });
  });
});
