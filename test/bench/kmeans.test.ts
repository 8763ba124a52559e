import { describe, expect, it } from "vitest";
import { miniBatchKMeans } from "../../src/bench/cluster/kmeans.js";
import { Prng } from "../../src/bench/cluster/prng.js";
import { vMeasure } from "../../src/bench/metrics/v-measure.js";

/** `perCluster` points around each of `k` centres far apart in `dim` dimensions. */
function blobs(k: number, perCluster: number, dim: number, seed: number) {
  const rng = new Prng(seed);
  const points: Float32Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < perCluster; i++) {
      const p = new Float32Array(dim);
      for (let j = 0; j < dim; j++) p[j] = (j % k === c ? 10 : 0) + (rng.next() - 0.5);
      points.push(p);
      labels.push(c);
    }
  }
  return { points, labels };
}

describe("mini-batch k-means", () => {
  it("recovers well-separated clusters for every seed", () => {
    const { points, labels } = blobs(4, 150, 8, 1);
    for (const seed of [0, 1, 2, 3, 4]) {
      const result = miniBatchKMeans(points, 4, { seed });
      expect(vMeasure(labels, Array.from(result.labels)).v_measure).toBeCloseTo(1, 12);
    }
  });

  it("uses mini-batches smaller than the data and still converges", () => {
    const { points, labels } = blobs(3, 400, 6, 2);
    const result = miniBatchKMeans(points, 3, { seed: 5, batchSize: 100 });
    expect(vMeasure(labels, Array.from(result.labels)).v_measure).toBeCloseTo(1, 12);
    // Each centre sits near its blob's mean (10 on its own axes, 0 elsewhere).
    for (const c of result.centers) expect(Math.max(...c)).toBeGreaterThan(9.5);
  });

  it("is deterministic for a seed", () => {
    const { points } = blobs(5, 40, 4, 3);
    const a = miniBatchKMeans(points, 7, { seed: 11 });
    const b = miniBatchKMeans(points, 7, { seed: 11 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
  });

  it("clusters sparse rows (mostly zeros, stored by non-zeros) exactly as their dense equivalents", () => {
    const { points } = blobs(4, 60, 8, 4);
    const padded = points.map((p) => {
      const v = new Float32Array(64);
      v.set(p, 28);
      return v;
    });
    const a = miniBatchKMeans(points, 5, { seed: 3, batchSize: 50 });
    const b = miniBatchKMeans(padded, 5, { seed: 3, batchSize: 50 });
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(b.inertia).toBe(a.inertia);
    expect(Array.from(b.centers[0].subarray(28, 36))).toEqual(Array.from(a.centers[0]));
  });

  it("rejects k larger than the number of points", () => {
    expect(() => miniBatchKMeans([new Float32Array(2)], 2, { seed: 0 })).toThrow(/k = 2/);
  });
});
