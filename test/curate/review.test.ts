import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VotedPair } from "../../src/curate/aggregate.js";
import { makePair } from "../../src/curate/pair.js";
import { ReviewLabels } from "../../src/curate/review-labels.js";
import { sampleForReview, writeReviewSample } from "../../src/curate/review-sample.js";
import { startReviewServer, type ReviewServer } from "../../src/curate/review-server.js";
import { launchChromium } from "../helpers/chromium.js";

interface State {
  items: { pair_id: string }[];
  labels: Record<string, number>;
}

/** Generous: on a loaded machine a label round trip (POST, fsync, re-render) can take a while. */
const POLL = { timeout: 10_000, interval: 25 };

function voted(n: number): VotedPair[] {
  return Array.from({ length: n }, (_, i) => ({
    pair: makePair({
      task: "cmedqa",
      query_id: `q${i}`,
      doc_id: `d${i}`,
      query: `第${i}个问题：孩子发烧38度怎么办？`,
      doc: `第${i}个回答：多喝水，物理降温，超过38.5度可用退烧药。`,
    }),
    scores: [4, 5],
    decision: i % 3 === 0 ? "unsure" : i % 2 ? "positive" : "negative",
  }));
}

describe("expert review", () => {
  const dir = mkdtempSync(join(tmpdir(), "care-review-"));
  let browser: Browser;
  let server: ReviewServer;

  beforeAll(async () => {
    writeReviewSample(dir, sampleForReview(voted(12), 6, "seed"));
    server = await startReviewServer({ dir });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("samples only decided pairs, reproducibly for a seed", () => {
    const a = sampleForReview(voted(30), 10, "s1");
    expect(a).toHaveLength(10);
    expect(a.every((it) => it.pipeline === "positive" || it.pipeline === "negative")).toBe(true);
    expect(sampleForReview(voted(30), 10, "s1")).toEqual(a);
    expect(sampleForReview(voted(30), 10, "s2").map((x) => x.pair_id)).not.toEqual(a.map((x) => x.pair_id));
    expect(sampleForReview(voted(30), 100, "s1")).toHaveLength(20);
  });

  it("labels three pairs with the keyboard in headless Chromium, and a reload keeps them", async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill("#name", "李医生");
    await page.press("#name", "Enter");
    await expect.poll(() => page.textContent("#progress"), POLL).toBe("已标注 0 / 6");
    const firstQuery = await page.textContent("#query");
    // The page must not leak the pipeline's decision.
    expect(await page.content()).not.toMatch(/positive|negative/);

    await page.keyboard.press("4");
    await page.keyboard.press("2");
    await page.keyboard.press("5");
    await expect.poll(() => page.textContent("#progress"), POLL).toBe("已标注 3 / 6");
    expect(await page.textContent("#where")).toMatch(/^第 4 \/ 6 条/);

    await page.reload();
    await expect.poll(() => page.textContent("#progress"), POLL).toBe("已标注 3 / 6");
    // Back on the first unlabelled pair; ← and Backspace step back through the saved labels.
    expect(await page.textContent("#where")).toMatch(/^第 4 \/ 6 条/);
    await page.keyboard.press("ArrowLeft");
    await expect.poll(() => page.textContent("#scale .chosen b"), POLL).toBe("5 分");
    await page.keyboard.press("Backspace");
    await expect.poll(() => page.textContent("#scale .chosen b"), POLL).toBe("2 分");
    await page.keyboard.press("ArrowLeft");
    await expect.poll(() => page.textContent("#where"), POLL).toMatch(/^第 1 \/ 6 条/);
    expect(await page.textContent("#query")).toBe(firstQuery);
    expect(await page.textContent("#scale .chosen b")).toBe("4 分");

    // Relabelling the first pair appends a new label; the latest one wins.
    await page.keyboard.press("3");
    await expect.poll(() => page.textContent("#where"), POLL).toMatch(/^第 2 \/ 6 条/);
    const lines = readFileSync(join(dir, "labels.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.score)).toEqual([4, 2, 5, 3]);
    expect(new Set(lines.map((l) => l.reviewer))).toEqual(new Set(["李医生"]));

    // A second reviewer starts from zero; the first one's labels are untouched.
    await page.fill("#name", "王医生");
    await page.press("#name", "Enter");
    await expect.poll(() => page.textContent("#progress"), POLL).toBe("已标注 0 / 6");
    await page.keyboard.press("1");
    await expect.poll(() => page.textContent("#progress"), POLL).toBe("已标注 1 / 6");
    await page.close();

    const csv = await (await fetch(`${server.url}export.csv`)).text();
    const rows = csv
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(rows[0]).toBe("reviewer,pair_id,task,query_id,doc_id,score,at,query,doc");
    expect(
      rows
        .slice(1)
        .map((r) => r.split(",").slice(0, 1)[0])
        .sort(),
    ).toEqual(["李医生", "李医生", "李医生", "王医生"]);
    const jsonl = (await (await fetch(`${server.url}export.jsonl`)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(
      jsonl
        .filter((r) => r.reviewer === "李医生")
        .map((r) => r.score)
        .sort(),
    ).toEqual([2, 3, 5]);
  });

  it("survives a server restart and an interrupted last write", async () => {
    await server.close();
    // Simulate a crash mid-append: an unterminated half line at the end of the file.
    const file = join(dir, "labels.jsonl");
    const before = readFileSync(file, "utf8");
    appendFileSync(file, '{"reviewer":"李医生","pair_');
    server = await startReviewServer({ dir });
    const state = (await (
      await fetch(`${server.url}api/state?reviewer=${encodeURIComponent("李医生")}`)
    ).json()) as State;
    expect(Object.keys(state.labels)).toHaveLength(3);
    const res = await fetch(`${server.url}api/label`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reviewer: "李医生", pair_id: state.items[5].pair_id, score: 5 }),
    });
    expect(res.status).toBe(200);
    // The unacknowledged half line was cut off; the new label follows the old ones cleanly.
    const reopened = ReviewLabels.open(file);
    expect(reopened.scoresOf("李医生").size).toBe(4);
    reopened.close();
    expect(readFileSync(file, "utf8").startsWith(before + '{"reviewer":"李医生","pair_id":"')).toBe(true);
  });

  it("rejects bad labels with a reason", async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}api/label`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const { items } = (await (await fetch(`${server.url}api/state?reviewer=x`)).json()) as State;
    expect((await post({ reviewer: "x", pair_id: items[0].pair_id, score: 6 })).status).toBe(400);
    expect(await (await post({ reviewer: "x", pair_id: "nope", score: 3 })).text()).toMatch(/pair_id/);
    expect(await (await post({ reviewer: " ", pair_id: items[0].pair_id, score: 3 })).text()).toMatch(
      /reviewer/,
    );
    expect(existsSync(join(dir, "labels.jsonl"))).toBe(true);
  });
});
