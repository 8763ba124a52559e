import { describe, expect, it } from "vitest";
import { bootstrap, meanOf } from "../../src/care/experiment/bootstrap.js";
import { pearson } from "../../src/bench/metrics/correlation.js";
import { rng } from "../../src/util/rng.js";

describe("bootstrap over queries", () => {
  it("gives a point interval for constant scores and the plain mean as estimate", () => {
    const r = bootstrap([{ n: 20, stat: meanOf(new Array(20).fill(0.4)) }], { replicates: 200, seed: 1 });
    expect(r.estimate).toBeCloseTo(0.4, 12);
    expect(r.ci[0]).toBeCloseTo(0.4, 12);
    expect(r.ci[1]).toBeCloseTo(0.4, 12);
  });

  it("matches the normal-theory 95% interval of a mean, and is reproducible from its seed", () => {
    const next = rng(9);
    const xs = Array.from({ length: 400 }, () => next());
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
    const half = (1.96 * sd) / Math.sqrt(xs.length);
    const o = { replicates: 2000, seed: 3 };
    const r = bootstrap([{ n: xs.length, stat: meanOf(xs) }], o);
    expect(r.estimate).toBeCloseTo(m, 12);
    expect(r.ci[0]).toBeLessThan(m);
    expect(r.ci[1]).toBeGreaterThan(m);
    expect(Math.abs(r.ci[1] - r.ci[0] - 2 * half)).toBeLessThan(0.15 * 2 * half);
    expect(bootstrap([{ n: xs.length, stat: meanOf(xs) }], o)).toEqual(r);
  });

  it("resamples several tasks independently and combines them (mean over tasks, correlation)", () => {
    const a = meanOf([1, 1, 1, 1]);
    const b = meanOf([0, 0, 0, 0]);
    const both = bootstrap(
      [
        { n: 4, stat: a },
        { n: 4, stat: b },
      ],
      { replicates: 100, seed: 2 },
    );
    expect(both.estimate).toBe(0.5);
    expect(both.ci).toEqual([0.5, 0.5]);
    // An STS-like statistic: the correlation recomputed on each draw of pairs.
    const gold = [0.1, 0.4, 0.35, 0.8, 0.9, 0.2, 0.6, 0.7];
    const sims = [0.2, 0.5, 0.3, 0.7, 0.95, 0.1, 0.5, 0.8];
    const corr = (d: Int32Array) =>
      pearson(
        Array.from(d, (i) => gold[i]),
        Array.from(d, (i) => sims[i]),
      );
    const r = bootstrap([{ n: gold.length, stat: corr }], { replicates: 500, seed: 4 });
    expect(r.estimate).toBeCloseTo(pearson(gold, sims), 12);
    expect(r.ci[0]).toBeLessThanOrEqual(r.estimate);
    expect(r.ci[1]).toBeGreaterThanOrEqual(r.estimate);
    expect(r.ci[1]).toBeLessThanOrEqual(1);
  });
});
