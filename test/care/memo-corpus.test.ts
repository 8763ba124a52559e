import { describe, expect, it } from "vitest";
import type { Doc } from "../../src/core/doc.js";
import type { Embedder } from "../../src/core/embedder.js";
import { memoCorpus } from "../../src/care/experiment/memo-corpus.js";

describe("memoCorpus", () => {
  it("encodes each document text once over calls and returns rows in the asked order", async () => {
    const seen: string[] = [];
    const inner: Embedder = {
      name: "counting",
      dim: 1,
      encodeQueries: async (texts) => texts.map((t) => Float32Array.of(-t.length)),
      encodeCorpus: async (docs: Doc[]) => {
        seen.push(...docs.map((d) => d.text));
        return docs.map((d) => Float32Array.of(d.text.length));
      },
    };
    const e = memoCorpus(inner);
    const a = await e.encodeCorpus([
      { id: "1", text: "ab" },
      { id: "2", text: "abc", title: "T" },
      { id: "3", text: "ab" },
    ]);
    expect(a.map((r) => r[0])).toEqual([2, 5, 2]);
    const b = await e.encodeCorpus([
      { id: "9", text: "abc", title: "T" },
      { id: "8", text: "abcd" },
    ]);
    expect(b.map((r) => r[0])).toEqual([5, 4]);
    // "ab", "T abc" and "abcd" were each encoded once.
    expect(seen).toEqual(["ab", "T abc", "abcd"]);
    expect((await e.encodeQueries(["xyz"]))[0][0]).toBe(-3);
  });

  it("shares a document side between embedders given one map, and keeps query sides apart", async () => {
    const encoded: string[] = [];
    const embedder = (sign: number): Embedder => ({
      name: `e${sign}`,
      dim: 1,
      encodeQueries: async (texts) => texts.map((t) => Float32Array.of(sign * t.length)),
      encodeCorpus: async (docs: Doc[]) => {
        encoded.push(...docs.map((d) => d.text));
        return docs.map((d) => Float32Array.of(d.text.length));
      },
    });
    const shared = new Map<string, Float32Array>();
    const a = memoCorpus(embedder(1), shared);
    const b = memoCorpus(embedder(-1), shared);
    await a.encodeCorpus([{ id: "1", text: "ab" }]);
    const rows = await b.encodeCorpus([
      { id: "1", text: "ab" },
      { id: "2", text: "xyz" },
    ]);
    expect(rows.map((r) => r[0])).toEqual([2, 3]);
    expect(encoded).toEqual(["ab", "xyz"]);
    expect((await b.encodeQueries(["q"]))[0][0]).toBe(-1);
    // Without a shared map each embedder keeps its own.
    await memoCorpus(embedder(1)).encodeCorpus([{ id: "1", text: "ab" }]);
    expect(encoded).toEqual(["ab", "xyz", "ab"]);
  });
});
