import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { loadEmbedder } from "../../src/embed/load.js";
import { EmbeddedStore } from "../../src/store/embedded.js";
import { makeTiny } from "../../src/models/make-tiny.js";

const root = mkdtempSync(join(tmpdir(), "care-kill-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const N = 1500;
const text = (i: number) => `第${i}号文档：症状${i % 37}，治疗${i % 11}`;
const corpus = join(root, "corpus.jsonl");
writeFileSync(
  corpus,
  Array.from({ length: N }, (_, i) => JSON.stringify({ _id: `doc-${i}`, text: text(i) })).join("\n"),
);
const out = join(root, "idx");
const model = join(root, "bert");
makeTiny({ out: model, family: "bert", seed: 3 });
const cli = join(import.meta.dirname, "../../src/cli/main.ts");

/** `care index` with a tiny real checkpoint; small batches and frequent graph saves put kills mid-save too. */
function startChild(): ChildProcess {
  const args = ["index", "--doc", `hf:${model}`, "--corpus", corpus, "--out", out];
  args.push("--batch-size", "8", "--save-every", "0.05");
  return spawn(process.execPath, ["--import", "tsx", cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
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

function exited(c: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  let stderr = "";
  c.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) =>
    c.on("exit", (code, signal) => {
      if (code) process.stderr.write(stderr);
      resolve({ code, signal });
    }),
  );
}

describe("care index (a tiny real checkpoint) killed with SIGKILL and rerun", () => {
  it("ends with every document exactly once", async () => {
    const atKill: number[] = [];
    for (const fraction of [0.15, 0.4, 0.7]) {
      const child = startChild();
      let gone = false;
      const done = exited(child).finally(() => (gone = true));
      while (!gone && storedCount() < fraction * N) await new Promise((r) => setTimeout(r, 15));
      expect(gone, "the child ended before it could be killed").toBe(false);
      child.kill("SIGKILL");
      expect((await done).signal).toBe("SIGKILL");
      atKill.push(storedCount());
    }
    // Each kill landed mid-build, and each rerun resumed where the last one stopped.
    expect(atKill.every((n) => n > 0 && n < N)).toBe(true);
    expect(atKill[2]).toBeGreaterThan(atKill[0]);

    expect(await exited(startChild())).toEqual({ code: 0, signal: null });

    const db = new Database(join(out, "docs.sqlite"), { readonly: true });
    const counts = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS uniq FROM docs").get();
    db.close();
    expect(counts).toEqual({ n: N, uniq: N });

    // The graph holds each stored vector once and finds documents by text.
    const index = EmbeddedStore.open(out);
    const enc = await loadEmbedder(`hf:${model}`);
    const probes = [0, 1, 777, N - 1];
    const vectors = await enc.encodeCorpus(probes.map((i) => ({ id: `doc-${i}`, text: text(i) })));
    for (const [j, i] of probes.entries())
      expect((await index.search(vectors[j], 1))[0]).toMatchObject({
        id: `doc-${i}`,
        score: expect.closeTo(1, 4),
      });
    expect(new Set((await index.search(vectors[0], 1000)).map((h) => h.id)).size).toBe(1000);
    await enc.close?.();
    await index.close();
  });
});
