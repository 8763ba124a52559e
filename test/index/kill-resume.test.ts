import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openIndex } from "../../src/index/open.js";
import { FixtureHashEmbedder } from "./fixture-embedders.js";

const root = mkdtempSync(join(tmpdir(), "care-kill-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const N = 1500;
const corpus = join(root, "corpus.jsonl");
writeFileSync(
  corpus,
  Array.from({ length: N }, (_, i) =>
    JSON.stringify({ _id: `doc-${i}`, text: `第${i}号文档：症状${i % 37}，治疗${i % 11}` }),
  ).join("\n"),
);
const out = join(root, "idx");

function startChild(): ChildProcess {
  return spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures/index-child.ts"), corpus, out],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
}

function storedCount(): number {
  const file = join(out, "docs.sqlite");
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM docs").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the table does not exist yet
  }
}

const exited = (c: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    c.on("exit", (code, signal) => resolve({ code, signal })),
  );

describe("care index killed with SIGKILL and rerun", () => {
  it("ends with every document exactly once", async () => {
    const atKill: number[] = [];
    for (const fraction of [0.15, 0.4, 0.7]) {
      const child = startChild();
      const done = exited(child);
      while (storedCount() < fraction * N) await new Promise((r) => setTimeout(r, 15));
      child.kill("SIGKILL");
      expect((await done).signal).toBe("SIGKILL");
      atKill.push(storedCount());
    }
    // Each kill landed mid-build, and each rerun resumed where the last one stopped.
    expect(atKill.every((n) => n > 0 && n < N)).toBe(true);
    expect(atKill[2]).toBeGreaterThan(atKill[0]);

    const child = startChild();
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    expect(await exited(child), stderr).toEqual({ code: 0, signal: null });

    const db = new Database(join(out, "docs.sqlite"), { readonly: true });
    const { n, uniq } = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS uniq FROM docs").get() as {
      n: number;
      uniq: number;
    };
    db.close();
    expect({ n, uniq }).toEqual({ n: N, uniq: N });

    // The graph holds each stored vector once (openIndex checks its size) and finds documents by text.
    const index = openIndex(out);
    const enc = new FixtureHashEmbedder(48);
    for (const i of [0, 1, 777, N - 1]) {
      const hits = index.search(enc.embed(`第${i}号文档：症状${i % 37}，治疗${i % 11}`), 3);
      expect(hits[0].id).toBe(`doc-${i}`);
    }
    expect(new Set(index.search(enc.embed("文档"), 1000).map((h) => h.id)).size).toBe(1000);
    index.close();
  });
});
