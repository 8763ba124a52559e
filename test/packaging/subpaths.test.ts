import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadedBy, NATIVE_PACKAGES } from "./loaded-modules.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
  exports: Record<string, { types: string; import: string } | string>;
};

describe("subpath exports", () => {
  it("map each subpath to the compiled form of its entry file", () => {
    const entries = Object.fromEntries(
      Object.entries(pkg.exports)
        .filter(([, v]) => typeof v !== "string")
        .map(([k, v]) => [k, (v as { import: string }).import]),
    );
    expect(entries).toEqual({
      ".": "./dist/index.js",
      "./bench": "./dist/entry/bench.js",
      "./embed": "./dist/entry/embed.js",
      "./serve": "./dist/entry/serve.js",
      "./train": "./dist/entry/train.js",
      "./langchain": "./dist/adapters/langchain.js",
      "./llamaindex": "./dist/adapters/llamaindex.js",
    });
  });

  it("care-retrieval/bench loads no native addon", () => {
    const { packages, addons } = loadedBy(`${ROOT}src/entry/bench.ts`, ROOT, true);
    expect(packages).toContain("@sinclair/typebox"); // the hook saw the imports
    for (const name of NATIVE_PACKAGES) expect(packages).not.toContain(name);
    expect(addons).toEqual([]);
  });

  it("the main entry does load them (the check can fail)", () => {
    const { packages, addons } = loadedBy(`${ROOT}src/index.ts`, ROOT, true);
    expect(packages).toEqual(
      expect.arrayContaining(["better-sqlite3", "onnxruntime-node", "@node-rs/jieba"]),
    );
    expect(addons.length).toBeGreaterThan(0);
  });
});
