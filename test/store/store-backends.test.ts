import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/store/build.js";
import { EmbeddedStore } from "../../src/store/embedded.js";
import { matches, parseFilter, type Fields } from "../../src/store/filter.js";
import { openIndex } from "../../src/store/open.js";
import { PgStore } from "../../src/store/pg-store.js";
import type { VectorStore } from "../../src/store/store.js";
import { FixtureHashEmbedder } from "./fixture-embedders.js";
import { freshDatabase, withClient } from "./pg-fixture.js";

const root = mkdtempSync(join(tmpdir(), "care-backends-"));
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
  rmSync(root, { recursive: true, force: true });
});

const DEPTS = ["心内科", "消化科", "神经科", "内分泌科", "呼吸科"];
const SYMPTOMS = ["头痛", "胸闷", "腹泻", "咳嗽", "失眠", "发热", "乏力", "心悸", "恶心", "口渴"];
const N = 1200;
const rows = Array.from({ length: N }, (_, i) => ({
  _id: `d${i}`,
  text: `${SYMPTOMS[i % 10]}${SYMPTOMS[(i * 7) % 10]}患者第${i}例，建议${DEPTS[i % 5]}就诊`,
  dept: DEPTS[i % 5],
  year: 2000 + (i % 25),
  published: `20${String(10 + (i % 15))}-0${1 + (i % 9)}-15`,
  rare: i % 50 === 0,
}));
const corpus = join(root, "corpus.jsonl");
writeFileSync(corpus, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
const enc = new FixtureHashEmbedder(48);
const vectors = await enc.encodeCorpus(rows.map((r) => ({ id: r._id, text: r.text })));
const fieldsOf = (r: (typeof rows)[number]): Fields => ({
  dept: r.dept,
  year: r.year,
  published: r.published,
  rare: r.rare,
});

/** Exact filtered top-k over the corpus, computed here independently of either store. */
function truth(
  q: Float32Array,
  k: number,
  filter: ReturnType<typeof parseFilter>,
): { id: string; s: number }[] {
  return rows
    .map((r, i) => ({
      id: r._id,
      keep: matches(filter, fieldsOf(r)),
      s: vectors[i].reduce((a, x, j) => a + x * q[j], 0),
    }))
    .filter((x) => x.keep)
    .sort((a, b) => b.s - a.s)
    .slice(0, k);
}

/**
 * Recall@k that counts a hit tied in score with the k-th true hit as found: the hash fixture gives
 * many equal scores, and stores may order ties differently.
 */
function tiedRecall(found: { score: number }[][], expected: { s: number }[][]): number {
  let sum = 0;
  found.forEach((hits, i) => {
    const want = expected[i];
    if (!want.length) return void (sum += 1);
    const floor = want[want.length - 1].s - 1e-5;
    sum += Math.min(want.length, hits.filter((h) => h.score >= floor).length) / want.length;
  });
  return sum / found.length;
}

const FILTERS = [
  { dept: "消化科" },
  { dept: { in: ["心内科", "呼吸科"] } },
  { year: { gte: 2010, lt: 2013 } },
  { published: { gte: "2020-01-01", lte: "2022-12-31" } },
  { rare: true, dept: "心内科" },
];
const QUERIES = [
  "头痛失眠",
  "腹泻恶心",
  "咳嗽发热",
  "心悸胸闷",
  "口渴乏力",
  "头痛发热",
  "失眠心悸",
  "腹泻咳嗽",
];

const backends: [string, () => Promise<string>][] = [
  ["embedded", async () => join(root, "idx")],
  [
    "postgres",
    async () => {
      const db = await freshDatabase("backends");
      drops.push(db.drop);
      return db.url;
    },
  ],
];

describe.each(backends)("the %s store", (name, where) => {
  let location: string;
  let store: VectorStore;
  beforeAll(async () => {
    location = await where();
    const r = await buildIndex({ corpus, out: location, encoders: [enc], batchSize: 100, progress: false });
    expect(r).toMatchObject({ added: N, total: N });
    store = await openIndex(location);
    return () => store.close();
  });

  it("keeps the corpus's extra columns as fields and finds a document by its own text", async () => {
    expect(await store.count()).toBe(N);
    const [hit] = await store.search(vectors[77], 1);
    expect(hit).toMatchObject({ id: "d77", text: rows[77].text, fields: fieldsOf(rows[77]) });
    expect(hit.score).toBeCloseTo(1, 4);
  });

  it("applies equality, in, number and date filters inside the search: k hits, all passing, the exact filtered top-k", async () => {
    const found: { score: number }[][] = [];
    const expected: { s: number }[][] = [];
    for (const raw of FILTERS) {
      const filter = parseFilter(raw);
      for (const text of QUERIES) {
        const [q] = await enc.encodeQueries([text]);
        const hits = await store.search(q, 10, filter);
        const want = truth(q, 10, filter);
        expect(hits).toHaveLength(want.length);
        for (const h of hits) expect(matches(filter, h.fields)).toBe(true);
        found.push(hits);
        expected.push(want);
      }
    }
    // `rare && 心内科` matches 24 documents: fewer than k is the right answer, not a shortfall.
    expect(truth(vectors[0], 100, parseFilter(FILTERS[4]))).toHaveLength(24);
    // Not trivially satisfied: the filtered answers differ from the unfiltered ones.
    const [q0] = await enc.encodeQueries([QUERIES[0]]);
    expect((await store.search(q0, 10, parseFilter(FILTERS[0]))).map((h) => h.id)).not.toEqual(
      (await store.search(q0, 10)).map((h) => h.id),
    );
    expect(tiedRecall(found, expected)).toBeGreaterThanOrEqual(name === "embedded" ? 1 : 0.95);
  });

  it("upserts and deletes after the build, seen by a second reader already open, without a rebuild", async () => {
    const other = await openIndex(location);
    try {
      const [q] = await enc.encodeQueries(["罕见病例：肢端肥大症随访"]);
      const doc = { id: "d5", text: "罕见病例：肢端肥大症随访", fields: { dept: "内分泌科", year: 2024 } };
      await store.upsert(
        [doc, { id: "new-1", text: "全新文档：过敏性鼻炎" }],
        await enc.encodeCorpus([doc, { id: "new-1", text: "全新文档：过敏性鼻炎" }]),
      );
      expect(await other.count()).toBe(N + 1);
      expect((await other.search(q, 1))[0]).toMatchObject({ id: "d5", text: doc.text, fields: doc.fields });
      expect((await other.search(q, 3, parseFilter({ year: 2024 })))[0].id).toBe("d5");
      // The old text of d5 is gone: its own old vector no longer finds it first.
      expect((await other.search(vectors[5], 1))[0].id).not.toBe("d5");

      expect(await store.delete(["d5", "d6", "missing"])).toBe(2);
      expect(await other.count()).toBe(N - 1);
      const ids = (await other.search(q, 50)).map((h) => h.id);
      expect(ids).not.toContain("d5");
      expect((await other.search(vectors[6], 5)).map((h) => h.id)).not.toContain("d6");
      // add() leaves a stored id alone.
      expect(await store.add([{ id: "d7", text: "x" }], [vectors[0]])).toBe(0);
      expect((await other.search(vectors[7], 1))[0]).toMatchObject({ id: "d7", text: rows[7].text });
    } finally {
      await other.close();
    }
  });

  it("refuses a document encoder of another width", async () => {
    await expect(
      buildIndex({ corpus, out: location, encoders: [new FixtureHashEmbedder(64)], progress: false }),
    ).rejects.toThrow(/document encoder mismatch.*dim 48/);
  });
});

describe("the embedded store under a filter too wide to score exactly", () => {
  it("widens the graph search by the filter's selectivity: recall@10 ≥ 0.95 at 10% and 2%", async () => {
    const out = join(root, "idx-wide");
    await buildIndex({ corpus, out, encoders: [enc], batchSize: 400, progress: false });
    const store = EmbeddedStore.open(out, { exactBelow: 0 });
    try {
      for (const raw of [{ year: { in: [2001, 2007, 2013] } }, { rare: true }]) {
        const filter = parseFilter(raw);
        const found: { score: number }[][] = [];
        const expected: { s: number }[][] = [];
        for (let i = 0; i < 60; i++) {
          const q = vectors[(i * 37) % N];
          found.push(await store.search(q, 10, filter));
          expected.push(truth(q, 10, filter));
        }
        expect(tiedRecall(found, expected)).toBeGreaterThanOrEqual(0.95);
      }
    } finally {
      await store.close();
    }
  });
});

describe("the PostgreSQL schema", () => {
  it("names a schema version or a width that does not match", async () => {
    const db = await freshDatabase("schema");
    drops.push(db.drop);
    await buildIndex({ corpus, out: db.url, encoders: [enc], batchSize: 400, progress: false });
    await withClient(db.url, (c) => c.query("UPDATE care_schema SET version = 99"));
    await expect(PgStore.open(db.url)).rejects.toThrow(/schema version 99; this care uses version 1/);
    const store = await withClient(db.url, (c) => c.query("UPDATE care_schema SET version = 1")).then(() =>
      PgStore.open(db.url),
    );
    try {
      await expect(store.search(new Float32Array(16), 3)).rejects.toThrow(
        /query vector has 16 dimensions; the index has 48/,
      );
      await expect(store.upsert([{ id: "x", text: "x" }], [new Float32Array(16)])).rejects.toThrow(
        /16 dimensions, expected 48/,
      );
    } finally {
      await store.close();
    }
  });

  it("says there is no index in an empty database", async () => {
    const db = await freshDatabase("empty");
    drops.push(db.drop);
    await expect(PgStore.open(db.url)).rejects.toThrow(/no care index in postgres:.*care index --store/);
  });
});
