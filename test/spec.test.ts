import { describe, expect, it } from "vitest";
import { parseSpec, formatSpec } from "../src/core/spec.js";

describe("model spec strings", () => {
  it("round-trips every kind", () => {
    for (const s of [
      "bm25",
      "hf:models/bge",
      "care:q,d",
      "gguf:/m/x.gguf",
      "openai:http://127.0.0.1:8000/v1#bge-m3",
    ]) {
      expect(formatSpec(parseSpec(s))).toBe(s);
    }
  });
  it("splits the openai base url from the model at the last #", () => {
    expect(parseSpec("openai:http://h:1/v1/#m")).toEqual({
      kind: "openai",
      baseUrl: "http://h:1/v1",
      model: "m",
    });
  });
  it("rejects malformed specs with the grammar in the message", () => {
    for (const s of ["", "hf:", "care:onlyone", "openai:http://x", "tfidf"]) {
      expect(() => parseSpec(s)).toThrow(/expected bm25 \| hf:<dir>/);
    }
  });
});

describe("hybrid specs", () => {
  it("default to reciprocal rank fusion with k = 60 and round-trip", () => {
    expect(parseSpec("hybrid:care:q,d")).toEqual({
      kind: "hybrid",
      dense: { kind: "care", queryDir: "q", docDir: "d" },
      fusion: { method: "rrf", k: 60 },
    });
    for (const s of ["hybrid:hf:m", "hybrid(rrf=10):gguf:/x.gguf", "hybrid(blend=0.3):openai:http://h/v1#m"])
      expect(formatSpec(parseSpec(s))).toBe(s);
    expect(parseSpec("hybrid(blend=0.3):hf:m")).toMatchObject({ fusion: { method: "blend", weight: 0.3 } });
  });
  it("refuse a fusion out of range and a non-dense inner spec", () => {
    expect(() => parseSpec("hybrid(blend=1.5):hf:m")).toThrow(/blend=<w> needs 0 ≤ w ≤ 1/);
    expect(() => parseSpec("hybrid(rrf=-1):hf:m")).toThrow(/rrf=<k> needs k ≥ 0/);
    expect(() => parseSpec("hybrid:bm25")).toThrow(/hybrid fuses BM25 with a dense model/);
    expect(() => parseSpec("hybrid:hybrid:hf:m")).toThrow(/hybrid fuses BM25 with a dense model/);
    expect(() => parseSpec("hybrid:")).toThrow(/expected bm25/);
  });
});
