import { describe, expect, it } from "vitest";
import { benchDocuments, benchQueries, medicalText, seededRandom } from "../../scripts/bench/texts.js";

describe("benchmark texts", () => {
  const cjk = (s: string) => [...s].every((c) => c.codePointAt(0)! >= 0x4e00 && c.codePointAt(0)! <= 0x9fff);

  it("queries span the requested lengths, are CJK ideographs only, and repeat for a seed", () => {
    const q = benchQueries(500, 8, 32, 7);
    const lengths = q.map((t) => [...t].length);
    expect(Math.min(...lengths)).toBe(8);
    expect(Math.max(...lengths)).toBe(32);
    expect(q.every(cjk)).toBe(true);
    expect(new Set(q).size).toBeGreaterThan(490);
    expect(benchQueries(500, 8, 32, 7)).toEqual(q);
    expect(benchQueries(5, 8, 32, 8)).not.toEqual(q.slice(0, 5));
  });

  it("documents have exactly the requested length", () => {
    const d = benchDocuments(20, 254, 3);
    expect(d.every((t) => [...t].length === 254 && cjk(t))).toBe(true);
    expect(medicalText(14, seededRandom(1))).toHaveLength(14);
    expect(() => medicalText(0, seededRandom(1))).toThrow(/positive integer/);
  });
});
