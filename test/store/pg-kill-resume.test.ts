import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEmbedder } from "../../src/embed/load.js";
import { makeTiny } from "../../src/models/make-tiny.js";
import { PgStore } from "../../src/store/pg-store.js";
import { freshDatabase, withClient } from "./pg-fixture.js";

const root = mkdtempSync(join(tmpdir(), "care-pgkill-"));
const N = 1500;
const text = (i: number) => `第${i}号文档：症状${i % 37}，治疗${i % 11}`;
const corpus = join(root, "corpus.jsonl");
writeFileSync(
  corpus,
  Array.from({ length: N }, (_, i) => JSON.stringify({ _id: `doc-${i}`, text: text(i), ward: i % 3 })).join(
    "\n",
  ),
);
const model = join(root, "bert");
makeTiny({ out: model, family: "bert", seed: 3 });
const cli = join(import.meta.dirname, "../../src/cli/main.ts");
let url: string;
let drop: () => Promise<void>;
beforeAll(async () => {
  ({ url, drop } = await freshDatabase("kill"));
});
afterAll(async () => {
  await drop?.();
  rmSync(root, { recursive: true, force: true });
});

function care(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function exited(c: ChildProcess): Promise<{ code: number | null; signal: string | null; out: string }> {
  let out = "";
  c.stdout!.on("data", (d) => (out += d));
  c.stderr!.on("data", (d) => (out += d));
  return new Promise((resolve) => c.on("exit", (code, signal) => resolve({ code, signal, out })));
}

const counts = () =>
  withClient(url, async (c) => {
    const exists = await c.query("SELECT to_regclass('care_docs') AS t");
    if (!exists.rows[0].t) return { n: 0, uniq: 0 };
    const r = await c.query("SELECT count(*)::int AS n, count(DISTINCT id)::int AS uniq FROM care_docs");
    return r.rows[0] as { n: number; uniq: number };
  });

describe("care index --store postgres://… killed with SIGKILL and rerun", () => {
  it("ends with every document exactly once, and care delete / care upsert change it in place", async () => {
    const index = ["index", "--doc", `hf:${model}`, "--corpus", corpus, "--store", url, "--batch-size", "8"];
    const atKill: number[] = [];
    for (const fraction of [0.2, 0.6]) {
      const child = care(index);
      let gone = false;
      const done = exited(child).finally(() => (gone = true));
      while (!gone && (await counts()).n < fraction * N) await new Promise((r) => setTimeout(r, 20));
      expect(gone, "the child ended before it could be killed").toBe(false);
      child.kill("SIGKILL");
      expect((await done).signal).toBe("SIGKILL");
      atKill.push((await counts()).n);
    }
    expect(atKill[0]).toBeGreaterThan(0);
    expect(atKill[1]).toBeGreaterThan(atKill[0]);
    expect(atKill[1]).toBeLessThan(N);
    await expect(PgStore.open(url)).rejects.toThrow(/still being built.*rerun care index/);

    const last = await exited(care(index));
    expect(last.code, last.out).toBe(0);
    const resumed = /\((\d+) already stored\)/.exec(last.out);
    expect(Number(resumed?.[1])).toBeGreaterThanOrEqual(atKill[1]);
    expect(await counts()).toEqual({ n: N, uniq: N });

    const store = await PgStore.open(url);
    try {
      const enc = await loadEmbedder(`hf:${model}`);
      const [v] = await enc.encodeCorpus([{ id: "doc-777", text: text(777) }]);
      expect((await store.search(v, 1))[0]).toMatchObject({ id: "doc-777", fields: { ward: 0 } });
      await enc.close?.();

      const del = await exited(care(["delete", "--store", url, "--id", "doc-777", "--id", "doc-1"]));
      expect(del.out).toMatch(/deleted 2 of 2 ids/);
      expect(del.out).not.toMatch(/:[^@/]*@/); // the URL is shown without a password
      expect((await store.search(v, 1))[0].id).not.toBe("doc-777");

      const extra = join(root, "extra.jsonl");
      writeFileSync(extra, JSON.stringify({ _id: "doc-777", text: text(777), ward: 9 }) + "\n");
      const up = await exited(care(["upsert", "--store", url, "--doc", `hf:${model}`, "--corpus", extra]));
      expect(up.out).toMatch(/upserted 1 documents/);
      expect((await store.search(v, 1))[0]).toMatchObject({ id: "doc-777", fields: { ward: 9 } });
      expect(await store.count()).toBe(N - 1);
    } finally {
      await store.close();
    }
  });
});
