import { describe, expect, it } from "vitest";
import { randomWeights, tinyConfig, tinyDims, type TinyFamily } from "../../src/models/make-tiny.js";
import { bertForward } from "./bert.js";
import { gteForward, gteInvFreq } from "./gte.js";
import { erf } from "./ops.js";
import { qwenForward } from "./qwen.js";

/** Sanity checks on the test-only references: properties the HF models have by construction. */

const forward = {
  bert: bertForward,
  "xlm-roberta": bertForward,
  gte: gteForward,
  qwen2: qwenForward,
  qwen3: qwenForward,
};

function setup(family: TinyFamily) {
  const config = tinyConfig(family, tinyDims(family, { layers: 2, hidden: 16, heads: 4 }), 50);
  return { config, weights: randomWeights(config, 3), run: forward[family] };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("reference forward passes", () => {
  it("computes erf to double precision", () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 13);
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 13);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 13);
    expect(erf(-2)).toBeCloseTo(-0.9953222650189527, 13);
  });

  it("scales gte rotary frequencies as new-impl's NTK embedding does", () => {
    const config = {
      hidden_size: 16,
      num_attention_heads: 2,
      rope_theta: 1000,
      rope_scaling: { type: "ntk", factor: 4 },
    };
    const f = gteInvFreq(config);
    expect(f.length).toBe(4);
    expect(f[0]).toBeCloseTo(1 / Math.pow(4, 2 / 8), 12);
    expect(f[1]).toBeCloseTo(Math.pow(4000, -2 / 8) / Math.pow(4, 2 / 8), 12);
    expect(gteInvFreq({ ...config, rope_scaling: null })[1]).toBeCloseTo(Math.pow(1000, -2 / 8), 12);
  });

  for (const family of ["bert", "xlm-roberta", "gte", "qwen2", "qwen3"] as const) {
    it(`${family}: right padding leaves real positions unchanged`, () => {
      const { config, weights, run } = setup(family);
      const alone = run(config, weights, [[5, 9, 13, 7]], [[1, 1, 1, 1]])[0];
      const padded = run(config, weights, [[5, 9, 13, 7, 0, 0]], [[1, 1, 1, 1, 0, 0]])[0];
      for (let i = 0; i < 4; i++) expect(maxDiff(alone[i], padded[i])).toBeLessThan(1e-5);
      // Tokens matter: a different sequence gives a different state.
      const other = run(config, weights, [[5, 9, 14, 7]], [[1, 1, 1, 1]])[0];
      expect(maxDiff(alone[3], other[3])).toBeGreaterThan(1e-2);
    });
  }

  for (const family of ["qwen2", "qwen3", "gte"] as const) {
    it(`${family}: rotary attention is invariant to a left-padding shift`, () => {
      const { config, weights, run } = setup(family);
      const alone = run(config, weights, [[5, 9, 13, 7]], [[1, 1, 1, 1]])[0];
      const padded = run(config, weights, [[0, 0, 0, 5, 9, 13, 7]], [[0, 0, 0, 1, 1, 1, 1]])[0];
      for (let i = 0; i < 4; i++) expect(maxDiff(alone[i], padded[i + 3])).toBeLessThan(1e-4);
    });
  }

  it("qwen: causal, so an earlier position ignores later tokens", () => {
    const { config, weights, run } = setup("qwen3");
    const a = run(config, weights, [[5, 9, 13]], [[1, 1, 1]])[0];
    const b = run(config, weights, [[5, 9, 40]], [[1, 1, 1]])[0];
    expect(maxDiff(a[1], b[1])).toBe(0);
    expect(maxDiff(a[2], b[2])).toBeGreaterThan(1e-2);
  });

  it("bert: bidirectional, so the first position sees later tokens", () => {
    const { config, weights, run } = setup("bert");
    const a = run(config, weights, [[5, 9, 13]], [[1, 1, 1]])[0];
    const b = run(config, weights, [[5, 9, 40]], [[1, 1, 1]])[0];
    expect(maxDiff(a[0], b[0])).toBeGreaterThan(1e-3);
  });
});
