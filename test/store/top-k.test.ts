import { describe, expect, it } from "vitest";
import { TopK } from "../../src/store/top-k.js";

describe("TopK", () => {
  it("keeps what a full sort keeps, ties ordered by id descending", () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const entries = Array.from({ length: 500 }, (_, i) => ({ id: `d${i}`, score: Math.floor(rand() * 20) }));
    const ids = entries.map((e) => e.id);
    const top = new TopK(37, ids);
    entries.forEach((e, i) => top.offer(i, e.score));
    const expected = [...entries]
      .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, 37);
    expect(top.sorted()).toEqual(expected);
    expect(new TopK(0, ids).sorted()).toEqual([]);
  });
});
