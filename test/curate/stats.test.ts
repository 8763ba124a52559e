import { describe, expect, it } from "vitest";
import { decide, type VotedPair } from "../../src/curate/aggregate.js";
import { cohenKappa, fleissKappaFromRatings } from "../../src/curate/agreement.js";
import { pipelineExpertAgreement } from "../../src/curate/expert-agreement.js";
import { makePair } from "../../src/curate/pair.js";
import type { ReviewItem } from "../../src/curate/review-sample.js";
import { curationStats, distribution } from "../../src/curate/stats.js";
import { curationHtml, curationMarkdown } from "../../src/curate/report.js";

function vp(task: string, q: string, d: string, scores: (number | null)[], labelled?: boolean): VotedPair {
  return {
    pair: makePair({ task, query_id: q, doc_id: d, query: q, doc: d, labelled }),
    scores,
    decision: decide(scores),
  };
}

describe("curation statistics", () => {
  // Task "a" comes from an existing benchmark (labelled flags); "b" does not.
  const voted = [
    vp("a", "q1", "d1", [5, 4, 5], true), // labelled, confirmed
    vp("a", "q1", "d2", [4, 4, 5], false), // unlabelled, all relevant → false negative
    vp("a", "q1", "d3", [5, 5, 4], false), // false negative
    vp("a", "q1", "d4", [1, 2, 1], false),
    vp("a", "q2", "d1", [1, 1, 2], true), // labelled, every judge rejects
    vp("a", "q2", "d5", [4, 3, 5], false), // unsure
    vp("a", "q3", "d6", [5, 5, 5], false), // false negative
    vp("a", "q3", "d7", [2, null, 2], false), // a judge failed
    vp("b", "q1", "d1", [3, 3, 3]),
    vp("b", "q1", "d2", [4, 5, 4]),
  ];
  const judges = ["A", "B", "C"];
  const s = curationStats(voted, judges, "v1");

  it("counts votes, histograms and unscored judgments per judge", () => {
    expect(s.pairs).toBe(10);
    expect(s.complete).toBe(9);
    expect(s.decisions).toEqual({ positive: 5, negative: 2, unsure: 3 });
    expect(s.histograms.A).toEqual([2, 1, 1, 3, 3]);
    expect(s.histograms.B).toEqual([1, 1, 2, 2, 3]);
    expect(s.unscored).toEqual({ A: 0, B: 1, C: 0 });
  });

  it("computes Fleiss over completely scored pairs and Cohen per judge pair over pairs both scored", () => {
    const complete = voted.filter((v) => v.scores.every((x) => x !== null)).map((v) => v.scores as number[]);
    expect(s.fleiss.items).toBe(9);
    expect(s.fleiss.kappa).toBeCloseTo(fleissKappaFromRatings(complete, [1, 2, 3, 4, 5]), 12);
    expect(s.cohen.map((c) => [c.a, c.b, c.items])).toEqual([
      ["A", "B", 9],
      ["A", "C", 10],
      ["B", "C", 9],
    ]);
    const a = voted.map((v) => v.scores[0] as number);
    const c = voted.map((v) => v.scores[2] as number);
    expect(s.cohen[1].kappa).toBeCloseTo(cohenKappa(a, c, [1, 2, 3, 4, 5]), 12);
    expect(s.cohen[1].kappa_quadratic).toBeCloseTo(cohenKappa(a, c, [1, 2, 3, 4, 5], "quadratic"), 12);
  });

  it("reports positives per query over every pooled query", () => {
    // a/q1: 3, a/q2: 0, a/q3: 1, b/q1: 1
    expect(s.positives_per_query).toMatchObject({ n: 4, mean: 5 / 4, median: 1, max: 3 });
    expect(s.positives_per_query.counts).toEqual({ 0: 1, 1: 2, 3: 1 });
  });

  it("audits false negatives only where the pool knows the labels", () => {
    expect(s.false_negative_audit).toHaveLength(1);
    const a = s.false_negative_audit[0];
    expect(a).toMatchObject({
      task: "a",
      queries: 3,
      labelled_pairs: 2,
      unlabelled_pairs: 6,
      labelled_rejected: 1,
      unlabelled_relevant_total: 3,
    });
    // Per query: q1 2, q2 0, q3 1.
    expect(a.unlabelled_relevant_per_query).toMatchObject({ n: 3, mean: 1, median: 1, p90: 2, max: 2 });
  });

  it("puts the figures and the charts into the report", () => {
    const md = curationMarkdown({ stats: { ...s, spend: [] } });
    expect(md).toContain("| positive | negative | unsure |\n| --- | --- | --- |\n| 5 | 2 | 3 |");
    expect(md).toContain(
      `Fleiss' kappa over 9 pairs scored by every judge (5 categories): **${s.fleiss.kappa!.toFixed(3)}**`,
    );
    expect(md).toMatch(/\| a \| 3 \| 2 \| 6 \| 3 \| 1\.00 \| 1 \| 2 \| 2 \| 1 \|/);
    const html = curationHtml({ stats: { ...s, spend: [] } });
    // One histogram, two kappa matrices, positives per query, one audit chart.
    expect(html.match(/<svg /g)).toHaveLength(5);
    // The histogram bar of judge A at score 4 carries its count.
    expect(html).toContain("<title>A · 4: 3</title>");
    expect(html).toContain("<td>A</td>");
  });
});

describe("distribution", () => {
  it("uses nearest-rank quantiles", () => {
    expect(distribution([5, 1, 3, 2, 4, 6, 7, 8, 9, 10])).toMatchObject({
      mean: 5.5,
      median: 5,
      p90: 9,
      max: 10,
    });
    expect(distribution([])).toMatchObject({ n: 0, mean: 0, max: 0 });
  });
});

describe("pipeline-vs-expert agreement", () => {
  const item = (id: string, pipeline: "positive" | "negative"): ReviewItem => ({
    pair_id: id,
    task: "t",
    query_id: id,
    doc_id: id,
    query: "",
    doc: "",
    pipeline,
  });
  const sample = [
    item("p1", "positive"),
    item("p2", "positive"),
    item("p3", "negative"),
    item("p4", "negative"),
  ];

  it("reads expert scores ≥ the threshold as relevant and compares with the pipeline", () => {
    const labels = new Map([
      [
        "X",
        new Map([
          ["p1", 5],
          ["p2", 3],
          ["p3", 1],
          ["p4", 2],
        ]),
      ],
      [
        "Y",
        new Map([
          ["p1", 4],
          ["p2", 4],
          ["p3", 3],
        ]),
      ],
    ]);
    const a = pipelineExpertAgreement(sample, labels);
    // X agrees on p1, p3, p4 (p2 = 3 is not relevant); Y agrees on p1, p2, p3.
    expect(a.per_reviewer).toEqual([
      { reviewer: "X", items: 4, agreement: 3 / 4 },
      { reviewer: "Y", items: 3, agreement: 1 },
    ]);
    expect(a.comparisons).toBe(7);
    expect(a.agreement).toBeCloseTo(6 / 7, 12);
    expect(a.items).toBe(4);
    // Fleiss over p1..p3 (labelled by both), raters pipeline, X, Y:
    // p1 [1,1,1], p2 [1,0,1], p3 [0,0,0].
    expect(a.fleiss.items).toBe(3);
    expect(a.fleiss.kappa).toBeCloseTo(
      fleissKappaFromRatings(
        [
          [1, 1, 1],
          [1, 0, 1],
          [0, 0, 0],
        ],
        [0, 1],
      ),
      12,
    );
    // By hand: P̄ = (1 + 1/3 + 1)/3 = 7/9; p(1) = 5/9 → P̄e = 25/81 + 16/81 = 41/81; κ = (63−41)/(81−41) = 0.55.
    expect(a.fleiss.kappa).toBeCloseTo(0.55, 12);
  });

  it("says n/a rather than inventing a figure when nobody reviewed", () => {
    const a = pipelineExpertAgreement(sample, new Map());
    expect(a).toMatchObject({ agreement: null, items: 0, fleiss: { kappa: null, items: 0 } });
  });
});
