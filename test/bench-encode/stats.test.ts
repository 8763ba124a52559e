import { describe, expect, it } from "vitest";
import { agreement, cosine, percentile, summarizeLatency } from "../../scripts/bench/stats.js";

describe("percentile", () => {
  it("interpolates between ranks as numpy's default does", () => {
    // numpy.percentile([1, 2, 3, 4], [50, 95, 0, 100]) = [2.5, 3.85, 1, 4]
    const v = [4, 1, 3, 2];
    expect(percentile(v, 50)).toBeCloseTo(2.5, 12);
    expect(percentile(v, 95)).toBeCloseTo(3.85, 12);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile(v, 100)).toBe(4);
    expect(percentile([7], 95)).toBe(7);
    expect(v).toEqual([4, 1, 3, 2]);
  });

  it("refuses no values and out-of-range percentiles", () => {
    expect(() => percentile([], 50)).toThrow(/no values/);
    expect(() => percentile([1], 101)).toThrow(/\[0, 100\]/);
  });

  it("summarises latencies", () => {
    const s = summarizeLatency([10, 30, 20, 40, 1000]);
    expect(s).toMatchObject({ n: 5, p50_ms: 30, min_ms: 10, max_ms: 1000, mean_ms: 220 });
    expect(s.p95_ms).toBeCloseTo(40 + 0.8 * 960, 9);
  });
});

describe("agreement", () => {
  it("is the row-wise cosine, scale-free, over the common rows", () => {
    const a = [Float32Array.of(1, 0), Float32Array.of(1, 1), Float32Array.of(3, 4)];
    const b = [Float32Array.of(2, 0), Float32Array.of(1, -1)];
    expect(cosine(a[0], b[0])).toBeCloseTo(1, 6);
    const g = agreement(a, b);
    expect(g.n).toBe(2);
    expect(g.min_cosine).toBeCloseTo(0, 6);
    expect(g.mean_cosine).toBeCloseTo(0.5, 6);
    expect(() => cosine(a[0], Float32Array.of(1, 2, 3))).toThrow(/widths 2 and 3/);
  });
});
