import { describe, expect, it } from "vitest";
import { reciprocalRankFusion, RRF_K } from "../../src/bench/fusion.js";

describe("reciprocal rank fusion", () => {
  it("sums 1/(k + rank) over the rankings, ranks by score order whatever the input order", () => {
    const lexical = [
      { id: "a", score: 9 },
      { id: "b", score: 5 },
      { id: "c", score: 1 },
    ];
    // Given out of order: ranks come from the scores (c first, then a).
    const dense = [
      { id: "a", score: 0.5 },
      { id: "c", score: 0.9 },
    ];
    const fused = reciprocalRankFusion([lexical, dense]);
    const k = RRF_K;
    expect(fused.map((h) => h.id)).toEqual(["a", "c", "b"]);
    expect(fused[0].score).toBeCloseTo(1 / (k + 1) + 1 / (k + 2), 12);
    expect(fused[1].score).toBeCloseTo(1 / (k + 3) + 1 / (k + 1), 12);
    expect(fused[2].score).toBeCloseTo(1 / (k + 2), 12);
    expect(reciprocalRankFusion([lexical, dense], k, 1)).toHaveLength(1);
  });
});
