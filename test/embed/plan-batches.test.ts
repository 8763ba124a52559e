import { describe, expect, it } from "vitest";
import { PADDING_SLACK, planBatches } from "../../src/embed/hf.js";

const padded = (lengths: number[], pass: number[]) => pass.length * Math.max(...pass.map((i) => lengths[i]));
const real = (lengths: number[], pass: number[]) => pass.reduce((s, i) => s + lengths[i], 0);

describe("planBatches", () => {
  it("takes every row once, shortest first, within the row, token and padding limits", () => {
    const lengths = [34, 10, 12, 30, 11, 22, 24, 33, 10, 16, 18, 31];
    const plan = planBatches(lengths, 4, 8192);
    expect(plan.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    const widths = plan.flat().map((i) => lengths[i]);
    expect(widths).toEqual([...widths].sort((a, b) => a - b));
    for (const pass of plan) {
      expect(pass.length).toBeLessThanOrEqual(4);
      expect(padded(lengths, pass)).toBeLessThanOrEqual((1 + PADDING_SLACK) * real(lengths, pass));
    }
    // The 10–12-token queries share one pass; 10 and 34 never do.
    expect(plan[0].map((i) => lengths[i])).toEqual([10, 10, 11, 12]);
    expect(plan.some((p) => p.includes(0) && p.includes(1))).toBe(false);
  });

  it("keeps equal lengths together up to maxRows and splits long rows by maxTokens", () => {
    expect(planBatches(Array(10).fill(8), 4, 8192).map((p) => p.length)).toEqual([4, 4, 2]);
    expect(planBatches(Array(5).fill(512), 32, 1024).map((p) => p.length)).toEqual([2, 2, 1]);
    expect(planBatches([], 4, 8192)).toEqual([]);
  });
});
