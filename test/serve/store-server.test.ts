import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/store/build.js";
import { createServer, type CareServer } from "../../src/serve/server.js";
import { FixtureHashEmbedder } from "../store/fixture-embedders.js";
import { freshDatabase, PrivateCluster } from "../store/pg-fixture.js";

const root = mkdtempSync(join(tmpdir(), "care-serve-pg-"));
const DOCS = [
  {
    _id: "d1",
    title: "糖尿病饮食",
    text: "糖尿病患者应控制血糖，西瓜含糖量高，少量食用",
    dept: "内分泌科",
    year: 2019,
  },
  { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服药", dept: "心内科", year: 2021 },
  { _id: "d3", text: "感冒发烧可以多喝水，注意休息", dept: "呼吸科", year: 2023 },
  { _id: "d4", text: "糖尿病足需要每天检查双脚", dept: "内分泌科", year: 2024 },
];
const corpus = join(root, "c.jsonl");
writeFileSync(corpus, DOCS.map((d) => JSON.stringify(d)).join("\n"));
const encoder = new FixtureHashEmbedder(64);
const TOKEN = "s3cret-admin-token";
afterAll(() => rmSync(root, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = any;
const call = async (base: string, method: string, path: string, body?: unknown, token?: string) => {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
};
const search = (base: string, query: string, extra: object = {}) =>
  call(base, "POST", "/search", { query, top_k: 3, ...extra });

describe("two care serve processes on one PostgreSQL index", () => {
  const servers: CareServer[] = [];
  const urls: string[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshDatabase("serve");
    drop = db.drop;
    await buildIndex({ corpus, out: db.url, encoders: [encoder], progress: false });
    for (const adminToken of [TOKEN, undefined]) {
      const s = await createServer({ index: db.url, query: encoder, adminToken });
      servers.push(s);
      urls.push(await s.listen(0));
    }
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await drop?.();
  });

  it("both answer the same hits, and filter inside the store", async () => {
    const [a, b] = await Promise.all(urls.map((u) => search(u, "糖尿病患者能吃西瓜吗")));
    expect(a.status).toBe(200);
    expect(a.body.hits.map((h: Json) => h.id)).toEqual(b.body.hits.map((h: Json) => h.id));
    expect(a.body.hits[0]).toMatchObject({ id: "d1", fields: { dept: "内分泌科", year: 2019 } });
    const f = await search(urls[1], "糖尿病患者能吃西瓜吗", {
      filter: { dept: "内分泌科", year: { gte: 2020 } },
    });
    expect(f.body.hits.map((h: Json) => h.id)).toEqual(["d4"]);
    const bad = await search(urls[1], "糖尿病", { filter: { year: { between: 1 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/filter\.year: unknown operator "between"/);
  });

  it("an upsert or delete through one server's admin routes is searched by the other at once", async () => {
    const doc = { id: "d9", text: "痛风患者应少吃海鲜和动物内脏", fields: { dept: "风湿科", year: 2025 } };
    expect((await call(urls[0], "POST", "/admin/documents", { documents: [doc] }, TOKEN)).body).toEqual({
      upserted: 1,
    });
    const hit = (await search(urls[1], "痛风患者应少吃海鲜和动物内脏")).body.hits[0];
    expect(hit).toMatchObject({ id: "d9", text: doc.text, fields: doc.fields });
    expect((await call(urls[1], "GET", "/healthz")).body.documents).toBe(5);

    expect((await call(urls[0], "DELETE", "/admin/documents", { ids: ["d9", "d3"] }, TOKEN)).body).toEqual({
      deleted: 2,
    });
    const ids = (await search(urls[1], "痛风患者应少吃海鲜和动物内脏")).body.hits.map((h: Json) => h.id);
    expect(ids).not.toContain("d9");
    expect(ids).not.toContain("d3");
  });

  it("guards the admin routes with the bearer token, and keeps them off without one", async () => {
    const doc = { documents: [{ id: "x", text: "x" }] };
    const missing = await call(urls[0], "POST", "/admin/documents", doc);
    expect(missing.status).toBe(401);
    const wrong = await call(urls[0], "POST", "/admin/documents", doc, "guess");
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain(TOKEN);
    const off = await call(urls[1], "DELETE", "/admin/documents", { ids: ["d1"] }, TOKEN);
    expect(off.status).toBe(403);
    expect(off.body.error.message).toMatch(/CARE_ADMIN_TOKEN/);
    expect((await search(urls[1], "糖尿病患者能吃西瓜吗")).body.hits[0].id).toBe("d1");
  });
});

describe("care serve on an embedded index folder", () => {
  it("applies admin upserts and deletes to the folder, searched at once", async () => {
    const out = join(root, "idx");
    await buildIndex({ corpus, out, encoders: [encoder], progress: false });
    const server = await createServer({ index: out, query: encoder, adminToken: TOKEN });
    try {
      const base = await server.listen(0);
      const [embedding] = await encoder.encodeCorpus([{ id: "e", text: "痛风患者应少吃海鲜" }]);
      const doc = {
        id: "d9",
        text: "痛风患者应少吃海鲜",
        fields: { dept: "风湿科" },
        embedding: Array.from(embedding),
      };
      expect((await call(base, "POST", "/admin/documents", { documents: [doc] }, TOKEN)).status).toBe(200);
      expect((await search(base, "痛风患者应少吃海鲜")).body.hits[0]).toMatchObject({ id: "d9" });
      expect(
        (await search(base, "痛风", { filter: { dept: "风湿科" } })).body.hits.map((h: Json) => h.id),
      ).toEqual(["d9"]);
      await call(base, "DELETE", "/admin/documents", { ids: ["d9"] }, TOKEN);
      expect((await search(base, "痛风患者应少吃海鲜")).body.hits.map((h: Json) => h.id)).not.toContain("d9");
      expect((await call(base, "GET", "/healthz")).body).toMatchObject({ documents: 4, store: "embedded" });
    } finally {
      await server.close();
    }
  });
});

describe("care serve when its database goes away", () => {
  const cluster = new PrivateCluster(54400 + (process.pid % 500));
  let server: CareServer;
  let url: string;
  beforeAll(async () => {
    cluster.start();
    await buildIndex({ corpus, out: cluster.url, encoders: [encoder], progress: false });
    server = await createServer({ index: cluster.url, query: encoder });
    url = await server.listen(0);
  });
  afterAll(async () => {
    await server?.close();
    cluster.remove();
  });

  it("answers 503 with a clear message while it is down, and recovers when it is back", async () => {
    expect((await search(url, "高血压")).status).toBe(200);
    cluster.stop();
    const down = await search(url, "高血压");
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ type: "service_unavailable" });
    expect(down.body.error.message).toMatch(
      /the vector store postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres is unavailable/,
    );
    expect((await call(url, "GET", "/healthz")).status).toBe(503);
    cluster.start();
    const back = await search(url, "高血压");
    expect(back.status).toBe(200);
    expect(back.body.hits[0].id).toBe("d2");
  });
});
