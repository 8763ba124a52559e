import { describe, expect, it } from "vitest";
import { HELD_OUT_FRACTION, isHeldOut, overlapKey, splitPoint, TextSet } from "../../src/data/splits.js";

describe("held-out split", () => {
  it("is SHA-1 of source NUL key, first 32 bits over 2^32 (values from Python hashlib)", () => {
    expect(splitPoint("kuake-qqr", "天价输液费")).toBeCloseTo(0.35224893619306386, 15);
    expect(splitPoint("tianchi", "abc")).toBeCloseTo(0.998991466825828, 15);
  });

  it("depends on the source, so sources split independently", () => {
    expect(splitPoint("kuake-qqr", "abc")).not.toBe(splitPoint("tianchi", "abc"));
  });

  it("holds out about the configured fraction of keys", () => {
    const keys = Array.from({ length: 20000 }, (_, i) => `question ${i}`);
    for (const source of ["kuake-qqr", "tianchi", "medical-dialogue"] as const) {
      const share = keys.filter((k) => isHeldOut(source, k)).length / keys.length;
      expect(Math.abs(share - HELD_OUT_FRACTION[source])).toBeLessThan(0.01);
    }
  });
});

describe("overlap test for training sets", () => {
  it("compares texts after NFKC, lower case and whitespace removal", () => {
    expect(overlapKey(" 高血压 能吃 党参吗？ BMI ")).toBe("高血压能吃党参吗?bmi");
    const set = new TextSet();
    set.add("高血压能吃党参吗？");
    set.add("   ");
    expect(set.size).toBe(1);
    expect(set.has("高血压 能吃党参吗?")).toBe(true);
    expect(set.has("高血压能吃人参吗？")).toBe(false);
    expect(set.hasAny(["x", "高血压能吃党参吗 ？"])).toBe(true);
    expect(set.hasAny(["x", "y"])).toBe(false);
  });
});
