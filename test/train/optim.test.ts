/** AdamW, clipping, the schedule, batching and the data order, against hand-computed values. */
import { describe, expect, it } from "vitest";
import { adamwStep, clipFactor, globalNorm } from "../../src/train/adamw.js";
import { trainingFeeds } from "../../src/train/feeds.js";
import { linearWarmupDecay } from "../../src/train/schedule.js";
import { stepIndices } from "../../src/train/trainer.js";

describe("optimisation pieces", () => {
  it("AdamW: first step is lr * sign-like update plus decoupled decay; rank-1 params skip decay", () => {
    const p = [Float64Array.of(1), Float64Array.of(1)];
    const g = [Float64Array.of(0.5), Float64Array.of(-2)];
    const mom = p.map(() => ({ m: new Float64Array(1), v: new Float64Array(1) }));
    adamwStep(p, g, mom, [true, false], 0.1, 1, { weightDecay: 0.1 });
    expect(p[0][0]).toBeCloseTo(1 - 0.1 - 0.1 * 0.1, 6);
    expect(p[1][0]).toBeCloseTo(1 + 0.1, 6);
    expect(mom[0].m[0]).toBeCloseTo(0.05, 12);
    expect(mom[0].v[0]).toBeCloseTo(0.00025, 12);
  });

  it("global-norm clipping scales every gradient by clip / norm", () => {
    expect(globalNorm([Float32Array.of(3), Float32Array.of(4)])).toBe(5);
    expect(globalNorm([Float32Array.of(3), Float32Array.of(4)], 0.5)).toBe(2.5);
    expect(clipFactor(5, 1)).toBeCloseTo(0.2, 6);
    expect(clipFactor(0.5, 1)).toBe(1);
    expect(clipFactor(5, undefined)).toBe(1);
  });

  it("linear warm-up then linear decay to zero", () => {
    const s = { lr: 1, warmupSteps: 4, totalSteps: 10 };
    expect([0, 1, 2, 3, 4, 7, 9, 10].map((t) => linearWarmupDecay(s, t))).toEqual([
      0.25,
      0.5,
      0.75,
      1,
      1,
      0.5,
      1 / 6,
      0,
    ]);
  });

  it("pads to a multiple of 8, right or left", () => {
    const b = trainingFeeds([[5, 6, 7], Array.from({ length: 9 }, () => 1)], { padId: 0 });
    expect(b.input_ids.shape).toEqual([2, 16]);
    expect(Array.from(b.attention_mask.data.slice(0, 4), Number)).toEqual([1, 1, 1, 0]);
    const left = trainingFeeds([[5, 6]], { side: "left" });
    expect(left.input_ids.shape).toEqual([1, 8]);
    expect(Array.from(left.input_ids.data, Number)).toEqual([0, 0, 0, 0, 0, 0, 5, 6]);
  });

  it("data order: every example once per epoch, fixed by the seed", () => {
    const seen = [0, 1, 2, 3, 4].flatMap((s) => stepIndices(10, 2, s, 7).indices);
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(stepIndices(10, 2, 3, 7)).toEqual(stepIndices(10, 2, 3, 7));
    expect(stepIndices(10, 4, 3, 7).epoch).toBe(1);
    const other = [0, 1, 2, 3, 4].flatMap((s) => stepIndices(10, 2, s, 8).indices);
    expect(other).not.toEqual(seen);
  });
});
