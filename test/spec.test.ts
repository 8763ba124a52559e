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
