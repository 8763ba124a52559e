import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, encoderIdentity, identityKey, sameIdentity } from "../../src/embed/identity.js";

describe("model identity", () => {
  it("compares and keys identities whatever their key order, leaving undefined fields out", () => {
    const a = { kind: "hf", card: { pooling: "cls", dim: 8 }, path: "/m", extra: undefined };
    const b = { path: "/m", card: { dim: 8, pooling: "cls" }, kind: "hf" };
    expect(sameIdentity(a, b)).toBe(true);
    expect(identityKey(a)).toBe(identityKey(b));
    expect(sameIdentity(a, { ...b, path: "/other" })).toBe(false);
    expect(identityKey(a)).not.toBe(identityKey({ ...b, card: { dim: 16, pooling: "cls" } }));
  });

  it("keys by the SHA-256 of sorted-key JSON, the form index manifests and document caches were written with", () => {
    const id = { z: [1, { y: "é", x: null }], a: true };
    const canonical = '{"a":true,"z":[1,{"x":null,"y":"é"}]}';
    expect(canonicalJson(id)).toBe(canonical);
    expect(identityKey(id)).toBe(createHash("sha256").update(canonical).digest("hex"));
  });

  it("takes a side from describe(), or the name and width of an encoder that cannot describe itself", () => {
    const described = {
      name: "x",
      dim: 4,
      describe: () => ({ query: { kind: "q" }, document: { kind: "d" } }),
    };
    expect(encoderIdentity(described, "query")).toEqual({ kind: "q" });
    expect(encoderIdentity(described, "document")).toEqual({ kind: "d" });
    expect(encoderIdentity({ name: "bm25", dim: 0 }, "document")).toEqual({ name: "bm25", dim: 0 });
  });
});
