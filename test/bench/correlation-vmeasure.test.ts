import { describe, expect, it } from "vitest";
import { averageRanks, pearson, spearman, vMeasure } from "../../src/bench/metrics/index.js";

describe("correlations", () => {
  it("pearson by hand", () => {
    // x mean 2, y mean 13/3: Σdxdy = 5, Σdx² = 2, Σdy² = 114/9.
    expect(pearson([1, 2, 3], [2, 4, 7])).toBeCloseTo(5 / Math.sqrt((2 * 114) / 9), 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it("average ranks for ties, and spearman over them", () => {
    expect(averageRanks([3, 1, 2, 2])).toEqual([4, 1, 2.5, 2.5]);
    expect(averageRanks([5, 5, 5])).toEqual([2, 2, 2]);
    // ranks [1, 2.5, 2.5, 4] vs [1, 2, 3, 4]: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5.
    expect(spearman([1, 2, 2, 3], [10, 20, 30, 40])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    // Monotone but non-linear: spearman is exactly 1 where pearson is not.
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [1, 8, 27, 64])).toBeLessThan(0.99);
  });

  it("is undefined (NaN) when a side is constant", () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1, 2, 3], [0, 0, 0])).toBeNaN();
  });
});

describe("V-measure", () => {
  it("matches the contingency-table definition on a hand case", () => {
    const v = vMeasure(["a", "a", "b", "b"], [0, 0, 0, 1]);
    const hC = Math.log(2);
    const hK = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    const mi = 0.5 * Math.log(4 / 3) + 0.25 * Math.log(2 / 3) + 0.25 * Math.log(2);
    expect(v.homogeneity).toBeCloseTo(mi / hC, 12);
    expect(v.completeness).toBeCloseTo(mi / hK, 12);
    const h = mi / hC;
    const c = mi / hK;
    expect(v.v_measure).toBeCloseTo((2 * h * c) / (h + c), 12);
  });

  it("is 1 for a perfect clustering whatever the cluster names", () => {
    expect(vMeasure(["x", "x", "y", "z"], [7, 7, 3, 1]).v_measure).toBeCloseTo(1, 12);
  });

  it("one cluster for everything is complete but not homogeneous", () => {
    const v = vMeasure(["a", "b", "a", "b"], [0, 0, 0, 0]);
    expect(v.homogeneity).toBeCloseTo(0, 12);
    expect(v.completeness).toBe(1);
    expect(v.v_measure).toBeCloseTo(0, 12);
  });
});
