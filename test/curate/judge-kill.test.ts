import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliChild } from "../helpers/cli-child.js";
import { makePair } from "../../src/curate/pair.js";
import { RUBRIC_VERSION } from "../../src/curate/rubric.js";
import { JudgmentStore } from "../../src/curate/store.js";
import { chatAnswer, MockChatServer } from "./mock-chat-server.js";

const N_PAIRS = 30;

describe("care curate judge after SIGKILL", () => {
  const dir = mkdtempSync(join(tmpdir(), "care-kill-"));
  let server: MockChatServer;
  const pairs = Array.from({ length: N_PAIRS }, (_, i) =>
    makePair({ task: "t", query_id: `q${i}`, doc_id: `d${i}`, query: `问题${i}`, doc: `回答${i}` }),
  );
  const pairOfQuery = new Map(pairs.map((p) => [p.query, p.pair_id]));

  beforeAll(async () => {
    server = await MockChatServer.start(() => ({
      ...chatAnswer('{"score": 4, "reason": "相关"}'),
      delayMs: 40,
    }));
    writeFileSync(join(dir, "pairs.jsonl"), pairs.map((p) => JSON.stringify(p)).join("\n") + "\n");
    const judge = (name: string, concurrency: number) => ({
      name,
      type: "openai",
      base_url: server.url,
      model: name,
      concurrency,
      rpm: 60_000,
      max_retries: 2,
      timeout_ms: 5000,
    });
    writeFileSync(join(dir, "judges.json"), JSON.stringify([judge("A", 2), judge("B", 3)]));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses nothing it stored, and the rerun asks exactly the missing judgments", async () => {
    const args = [
      "curate",
      "judge",
      "--pairs",
      join(dir, "pairs.jsonl"),
      "--judges",
      join(dir, "judges.json"),
    ];
    const out = join(dir, "store");
    const first = runCliChild([...args, "--out", out]);
    await expect.poll(() => server.log.length, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(20);
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.code).toBeNull();

    let store = JudgmentStore.open(out, { readonly: true });
    const stored = new Set([...store.rows()].map((j) => `${j.judge}\0${j.pair_id}`));
    store.close();
    // Killed mid-run: some judgments made it to disk, not all.
    expect(stored.size).toBeGreaterThanOrEqual(15);
    expect(stored.size).toBeLessThan(2 * N_PAIRS);

    server.requests.length = 0;
    const second = await runCliChild([...args, "--out", out]).done;
    expect(second.code, second.out).toBe(0);
    const asked = server.requests.map((r) => `${r.model}\0${pairOfQuery.get(r.query)}`);
    expect(asked).toHaveLength(2 * N_PAIRS - stored.size);
    expect(new Set(asked).size).toBe(asked.length);
    for (const k of asked) expect(stored.has(k)).toBe(false);

    store = JudgmentStore.open(out, { readonly: true });
    const rows = [...store.rows()];
    expect(rows).toHaveLength(2 * N_PAIRS);
    expect(store.totals(RUBRIC_VERSION).map((t) => [t.judge, t.scored, t.failed])).toEqual([
      ["A", N_PAIRS, 0],
      ["B", N_PAIRS, 0],
    ]);
    store.close();
    expect(second.out).toMatch(/A: 30 scored, 0 failed/);

    // A third run has nothing left to ask.
    server.requests.length = 0;
    const third = await runCliChild([...args, "--out", out]).done;
    expect(third.code).toBe(0);
    expect(server.requests).toHaveLength(0);
  });
});
