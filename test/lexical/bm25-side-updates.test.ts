import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Bm25Side, buildBm25Side } from "../../src/lexical/bm25-side.js";
import { buildIndex } from "../../src/store/build.js";
import { EmbeddedStore } from "../../src/store/embedded.js";
import { FixtureHashEmbedder } from "../store/fixture-embedders.js";

const root = mkdtempSync(join(tmpdir(), "care-bm25-upd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the BM25 side after documents are deleted and replaced", () => {
  it("drops the deleted, tokenises the replacements, and opens against the store's count", async () => {
    const corpus = join(root, "c.jsonl");
    const docs = [
      { _id: "a", text: "糖尿病患者应控制血糖" },
      { _id: "b", text: "高血压患者要低盐饮食" },
      { _id: "c", text: "感冒发烧多喝水" },
    ];
    writeFileSync(corpus, docs.map((d) => JSON.stringify(d)).join("\n"));
    const out = join(root, "idx");
    const enc = new FixtureHashEmbedder(16);
    await buildIndex({ corpus, out, encoders: [enc], progress: false });
    buildBm25Side(out, { progress: false });

    const store = EmbeddedStore.open(out);
    const b = { id: "b", text: "痛风患者少吃海鲜" };
    await store.upsert([b], await enc.encodeCorpus([b]));
    expect(await store.delete(["c"])).toBe(1);
    const count = await store.count();
    await store.close();
    expect(() => Bm25Side.open(out, count)).toThrow(/holds 3 of the index's 2 documents/);

    buildBm25Side(out, { progress: false });
    const side = Bm25Side.open(out, count);
    expect(side.search("痛风 海鲜", 5).map((h) => h.id)).toEqual(["b"]);
    expect(side.search("高血压 低盐", 5)).toEqual([]);
    expect(side.search("感冒 发烧", 5)).toEqual([]);
  });
});
