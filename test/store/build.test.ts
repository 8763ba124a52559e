import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/store/build.js";
import { checkQueryEncoder, readManifest } from "../../src/store/manifest.js";
import { EmbeddedStore } from "../../src/store/embedded.js";
import { FixtureHashEmbedder } from "./fixture-embedders.js";

const root = mkdtempSync(join(tmpdir(), "care-index-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const DOCS = [
  { _id: "d1", title: "糖尿病", text: "糖尿病患者应控制血糖，少吃甜食" },
  { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服药" },
  { _id: "d3", text: "感冒发烧可以多喝水，注意休息" },
  { _id: "d4", title: "胃炎", text: "慢性胃炎需要规律饮食，避免辛辣" },
  { _id: "d5", text: "失眠可以尝试睡前放松，减少咖啡因" },
];

function writeCorpus(name: string, rows: object[]): string {
  const file = join(root, `${name}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return file;
}

const quiet = { progress: false } as const;

describe("buildIndex and EmbeddedStore", () => {
  const corpus = writeCorpus("corpus", DOCS);
  const out = join(root, "idx");
  const enc = new FixtureHashEmbedder(64);

  it("indexes every document and finds each by its own text, in ANN and exact mode", async () => {
    const r = await buildIndex({ corpus, out, encoders: [enc], batchSize: 2, ...quiet });
    expect(r).toMatchObject({ added: 5, alreadyStored: 0, total: 5 });
    const m = readManifest(out)!;
    expect(m.dim).toBe(64);
    expect(m.document.identity).toEqual({ fixture: "hash", dim: 64, seed: 0 });
    expect(m.sources).toEqual([{ path: corpus, complete: true }]);
    for (const mode of ["ann", "exact"] as const) {
      const index = EmbeddedStore.open(out, { mode });
      expect(await index.count()).toBe(5);
      for (const d of DOCS) {
        const [q] = await enc.encodeQueries([d.title ? `${d.title} ${d.text}` : d.text]);
        const hits = await index.search(q, 3);
        expect(hits[0]).toMatchObject({ id: d._id, text: d.text });
        expect(hits[0].title).toBe(d.title);
        expect(hits[0].score).toBeCloseTo(1, 5);
        expect(hits[1].score).toBeLessThan(hits[0].score);
      }
      expect(await index.search((await enc.encodeQueries(["x"]))[0], 1000)).toHaveLength(5);
      await index.close();
    }
  });

  it("refuses an index of an older format version and says to rebuild it", () => {
    const old = join(root, "old-idx");
    mkdirSync(old, { recursive: true });
    const m = JSON.parse(readFileSync(join(out, "index.json"), "utf8"));
    writeFileSync(join(old, "index.json"), JSON.stringify({ ...m, version: 1 }));
    expect(() => EmbeddedStore.open(old)).toThrow(
      /index format version 1; this care reads version 2: rebuild/,
    );
  });

  it("rerun over a finished index stores nothing twice", async () => {
    const r = await buildIndex({ corpus, out, encoders: [enc], ...quiet });
    expect(r).toMatchObject({ added: 0, alreadyStored: 5, total: 5 });
  });

  it("refuses another corpus without --append and adds it with --append", async () => {
    const more = writeCorpus("more", [{ _id: "d6", text: "头痛可能与睡眠不足有关" }, DOCS[0]]);
    await expect(buildIndex({ corpus: more, out, encoders: [enc], ...quiet })).rejects.toThrow(/--append/);
    const r = await buildIndex({ corpus: more, out, encoders: [enc], append: true, ...quiet });
    expect(r).toMatchObject({ added: 1, alreadyStored: 1, total: 6 });
    const index = EmbeddedStore.open(out);
    expect((await index.search(enc.embed("头痛可能与睡眠不足有关"), 1))[0].id).toBe("d6");
    await index.close();
  });

  it("refuses a different document encoder on resume, naming both models", async () => {
    await expect(
      buildIndex({ corpus, out, encoders: [new FixtureHashEmbedder(64, 0, 7)], ...quiet }),
    ).rejects.toThrow(/document encoder mismatch.*fixture-hash-64-0.*fixture-hash-64-7/s);
    await expect(
      buildIndex({ corpus, out, encoders: [new FixtureHashEmbedder(32)], ...quiet }),
    ).rejects.toThrow(/dim 64.*dim 32/s);
  });

  it("accepts the query side the index pairs with and refuses others", () => {
    const m = readManifest(out)!;
    expect(() => checkQueryEncoder(m, enc, out)).not.toThrow();
    expect(() => checkQueryEncoder(m, new FixtureHashEmbedder(64, 0, 3), out)).toThrow(
      /query encoder mismatch/,
    );
    expect(() => checkQueryEncoder(m, new FixtureHashEmbedder(16), out)).toThrow(/index\.json/);
  });

  it("skips a repeated id with a note and reports a malformed row by file and line", async () => {
    const dup = writeCorpus("dup", [DOCS[0], DOCS[1], { ...DOCS[0], text: "另一份" }]);
    const r = await buildIndex({ corpus: dup, out: join(root, "dup-idx"), encoders: [enc], ...quiet });
    expect(r.added).toBe(2);
    expect(r.skips.summary()).toContain(`${dup}:3: duplicate id "d1"`);
    const bad = join(root, "bad.jsonl");
    writeFileSync(bad, `${JSON.stringify(DOCS[0])}\n{"_id": "x"}\n`);
    await expect(
      buildIndex({ corpus: bad, out: join(root, "bad-idx"), encoders: [enc], ...quiet }),
    ).rejects.toThrow(`${bad}:2: field "text" must be a string`);
  });

  it("reads a task folder and records its task in the manifest", async () => {
    const dir = join(root, "task");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "task.json"),
      JSON.stringify({ name: "toy", type: "retrieval", split: "dev", query_instruction: "找答案" }),
    );
    writeFileSync(join(dir, "corpus.jsonl"), DOCS.map((d) => JSON.stringify(d)).join("\n"));
    await buildIndex({ corpus: dir, out: join(root, "task-idx"), encoders: [enc], ...quiet });
    const m = JSON.parse(readFileSync(join(root, "task-idx", "index.json"), "utf8"));
    expect(m.task).toEqual({ name: "toy", queryInstruction: "找答案" });
    expect(m.sources[0].path).toBe(join(dir, "corpus.jsonl"));
  });

  it("refuses to open an index whose build did not finish", async () => {
    const slow = new FixtureHashEmbedder(64, 0);
    const failing = Object.assign(Object.create(slow), {
      encodeCorpus: async () => {
        throw new Error("encoder down");
      },
    });
    const half = join(root, "half");
    await expect(buildIndex({ corpus, out: half, encoders: [failing], ...quiet })).rejects.toThrow(
      "encoder down",
    );
    expect(() => EmbeddedStore.open(half)).toThrow(/still being built.*rerun care index/);
  });
});
