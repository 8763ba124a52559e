import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { devTask, splitOffDev } from "../../src/care/experiment/dev-split.js";

const root = mkdtempSync(join(tmpdir(), "care-dev-split-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("dev split", () => {
  it("holds the last rows out of training and turns them into a retrieval task", async () => {
    const rows = ["a", "b", "c", "d"].map((q, i) =>
      JSON.stringify({ query: q, pos: [`p${i}`], neg: ["shared", `n${i}`], type: "normal" }),
    );
    const file = join(root, "stage2.jsonl");
    writeFileSync(file, rows.join("\n") + "\n");
    await splitOffDev(file, 2, join(root, "fit.jsonl"), join(root, "dev.jsonl"));
    expect(readFileSync(join(root, "fit.jsonl"), "utf8").trim().split("\n")).toEqual(rows.slice(0, 2));
    expect(readFileSync(join(root, "dev.jsonl"), "utf8").trim().split("\n")).toEqual(rows.slice(2));
    await expect(splitOffDev(file, 4, join(root, "x"), join(root, "y"))).rejects.toThrow(/more than 4 rows/);

    const task = devTask([
      { query: "c", pos: ["p2"], neg: ["shared", "n2"], prompt: "", type: "normal" },
      { query: "d", pos: ["p3", "shared"], neg: ["n3"], prompt: "", type: "normal" },
    ]);
    expect(task.meta).toMatchObject({ type: "retrieval", main_score: "ndcg_at_10" });
    expect(task.data.queries.map((q) => q.text)).toEqual(["c", "d"]);
    // Every distinct text once: p2, shared, n2, p3, n3.
    expect(task.data.corpus.map((d) => d.text).sort()).toEqual(["n2", "n3", "p2", "p3", "shared"]);
    const id = (t: string) => task.data.corpus.find((d) => d.text === t)!.id;
    expect([...task.data.qrels.get("q0")!]).toEqual([[id("p2"), 1]]);
    expect([...task.data.qrels.get("q1")!].sort()).toEqual(
      [
        [id("p3"), 1],
        [id("shared"), 1],
      ].sort(),
    );
  });
});
