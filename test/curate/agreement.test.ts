import { describe, expect, it } from "vitest";
import {
  cohenKappa,
  confusionMatrix,
  fleissKappa,
  fleissKappaFromRatings,
} from "../../src/curate/agreement.js";

describe("Fleiss' kappa", () => {
  // Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa" article: 10 subjects, 14 raters, 5 categories;
  // P̄ = 0.378, P̄e = 0.213, κ = 0.210.
  const table = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it("reproduces the published worked example", () => {
    expect(fleissKappa(table)).toBeCloseTo(0.21, 3);
  });

  it("gives the same value from raw ratings as from the count table", () => {
    const ratings = table.map((row) => row.flatMap((n, c) => new Array<number>(n).fill(c + 1)));
    expect(fleissKappaFromRatings(ratings, [1, 2, 3, 4, 5])).toBeCloseTo(fleissKappa(table), 12);
  });

  it("is 1 under perfect agreement and NaN when every rating is in one category", () => {
    expect(
      fleissKappa([
        [3, 0],
        [0, 3],
        [3, 0],
      ]),
    ).toBe(1);
    expect(
      fleissKappa([
        [3, 0],
        [3, 0],
      ]),
    ).toBeNaN();
  });

  it("rejects items with different numbers of raters", () => {
    expect(() =>
      fleissKappa([
        [2, 1],
        [1, 1],
      ]),
    ).toThrow(/3 ratings/);
  });

  it("equals Cohen's kappa-like chance correction for two raters (Scott's pi)", () => {
    // With two raters Fleiss' kappa is Scott's pi: p_e from the pooled marginals.
    // 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o = 0.7, pooled yes = 55/100 → p_e = 0.505.
    const rows = [
      ...new Array(20).fill([2, 0]),
      ...new Array(15).fill([1, 1]),
      ...new Array(15).fill([0, 2]),
    ];
    expect(fleissKappa(rows)).toBeCloseTo((0.7 - 0.505) / (1 - 0.505), 12);
  });
});

describe("Cohen's kappa", () => {
  // Wikipedia's "Cohen's kappa" example: 50 proposals, A and B both yes 20, A yes B no 5,
  // A no B yes 10, both no 15: p_o = 0.7, p_e = 0.5, κ = 0.4.
  const a = [...new Array(25).fill(1), ...new Array(25).fill(0)];
  const b = [
    ...new Array(20).fill(1),
    ...new Array(5).fill(0),
    ...new Array(10).fill(1),
    ...new Array(15).fill(0),
  ];

  it("reproduces the textbook example", () => {
    expect(confusionMatrix(a, b, [1, 0])).toEqual([
      [20, 5],
      [10, 15],
    ]);
    expect(cohenKappa(a, b, [1, 0])).toBeCloseTo(0.4, 12);
  });

  it("quadratic weights equal unweighted for two categories", () => {
    expect(cohenKappa(a, b, [0, 1], "quadratic")).toBeCloseTo(0.4, 12);
  });

  it("quadratic-weighted: a hand-computed three-category case", () => {
    // Pairs (A,B): (1,1)×2 (1,2) (2,2) (2,3) (3,3)×2 (3,2); n = 8.
    // Σ w·O = ¼·3 = 0.75; marginals A = (3,2,3), B = (2,3,3);
    // Σ w·E·n = ¼·(3·3 + 2·2 + 2·3 + 3·3) + 1·(3·3 + 3·2) = 7 + 15 = 22, so E-term = 22/64.
    // κ_q = 1 − (0.75/8)/(22/64) = 1 − 3/11 = 8/11.
    const ra = [1, 1, 2, 2, 3, 3, 1, 3];
    const rb = [1, 2, 2, 3, 3, 3, 1, 2];
    expect(cohenKappa(ra, rb, [1, 2, 3], "quadratic")).toBeCloseTo(8 / 11, 12);
    // Unweighted on the same data: p_o = 5/8, p_e = (3·2 + 2·3 + 3·3)/64 = 21/64 → κ = (40/64 − 21/64)/(43/64) = 19/43.
    expect(cohenKappa(ra, rb, [1, 2, 3])).toBeCloseTo(19 / 43, 12);
  });

  it("quadratic-weighted kappa equals 2·cov / (var_a + var_b + (mean_a − mean_b)²) on random ratings", () => {
    // An independent closed form of quadratic-weighted kappa (population moments, equally spaced categories).
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 5; trial++) {
      const x = Array.from({ length: 200 }, () => 1 + Math.floor(rand() * 5));
      const y = x.map((v) => Math.min(5, Math.max(1, v + Math.floor(rand() * 3) - 1)));
      const mean = (v: number[]) => v.reduce((s, t) => s + t, 0) / v.length;
      const mx = mean(x);
      const my = mean(y);
      const cov = mean(x.map((v, i) => (v - mx) * (y[i] - my)));
      const vx = mean(x.map((v) => (v - mx) ** 2));
      const vy = mean(y.map((v) => (v - my) ** 2));
      expect(cohenKappa(x, y, [1, 2, 3, 4, 5], "quadratic")).toBeCloseTo(
        (2 * cov) / (vx + vy + (mx - my) ** 2),
        10,
      );
    }
  });

  it("refuses a rating outside the categories", () => {
    expect(() => cohenKappa([1, 6], [1, 2], [1, 2, 3, 4, 5])).toThrow(/rating 6/);
  });
});
