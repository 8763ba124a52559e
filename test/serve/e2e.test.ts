import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { launchChromium } from "../helpers/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTiny } from "../../src/models/make-tiny.js";

/**
 * The product path end to end with tiny real checkpoints: `care index` with a CARE pair (BERT query
 * side, Qwen3 document side), `care serve` with the BERT side alone in its worker thread, the page in
 * headless Chromium, and SIGTERM.
 */
const root = mkdtempSync(join(tmpdir(), "care-e2e-"));
const cli = join(import.meta.dirname, "../../src/cli/main.ts");
const bert = join(root, "bert");
const qwen = join(root, "qwen");
const other = join(root, "other-bert");
const index = join(root, "idx");
const DOCS = [
  { _id: "d1", title: "糖尿病饮食", text: "糖尿病患者可以少量吃西瓜，注意控制血糖" },
  { _id: "d2", title: "高血压", text: "高血压患者要低盐饮食，按时服药" },
  { _id: "d3", text: "感冒发烧可以多喝水，注意休息" },
  { _id: "d4", text: "慢性胃炎需要规律饮食，避免辛辣" },
];
let server: ChildProcess;
let url: string;

function care(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { encoding: "utf8" });
}

function startServe(query: string): { child: ChildProcess; url: Promise<string>; stderr: () => string } {
  const child = spawn(process.execPath, [
    "--import",
    "tsx",
    cli,
    "serve",
    "--index",
    index,
    "--query",
    query,
    "--port",
    "0",
  ]);
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const ready = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /search page at (http:\/\/\S+?)\/\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`care serve exited with ${code}: ${err}`)));
  });
  return { child, url: ready, stderr: () => err };
}

beforeAll(async () => {
  makeTiny({ out: bert, family: "bert", seed: 1 });
  makeTiny({ out: qwen, family: "qwen3", seed: 2 });
  makeTiny({ out: other, family: "bert", seed: 9 });
  writeFileSync(join(root, "corpus.jsonl"), DOCS.map((d) => JSON.stringify(d)).join("\n"));
  const r = care([
    "index",
    "--doc",
    `care:${bert},${qwen}`,
    "--corpus",
    join(root, "corpus.jsonl"),
    "--out",
    index,
  ]);
  expect(r.stderr).toMatch(/index: 4\/4 \(100\.0%\) .* docs\/s/);
  expect(r.stdout).toContain(`indexed 4 new documents (0 already stored)`);
  const s = startServe(`hf:${bert}`);
  server = s.child;
  url = await s.url;
});

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

describe("care index + care serve with tiny checkpoints", () => {
  it("searches through the worker-thread query encoder", async () => {
    const res = await fetch(`${url}/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "糖尿病能吃西瓜吗", top_k: 10 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hits: { id: string; score: number }[] };
    expect(body.hits.map((h) => h.id).sort()).toEqual(["d1", "d2", "d3", "d4"]);
    const scores = body.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it("serves /v1/embeddings to the openai client from the worker, both sides", async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
    const q = await client.embeddings.create({ model: "query", input: ["糖尿病", "高血压"] });
    const d = await client.embeddings.create({ model: "document", input: ["糖尿病", "高血压"] });
    for (const r of [q, d]) {
      expect(r.data).toHaveLength(2);
      expect(Math.hypot(...r.data[0].embedding)).toBeCloseTo(1, 5);
    }
    // One BERT model serves both sides here (query spec hf:<bert>), so the two must agree.
    q.data[0].embedding.forEach((x, i) => expect(x).toBeCloseTo(d.data[0].embedding[i], 5));
    expect(q.data[0].embedding).not.toEqual(q.data[1].embedding);
  });

  it("the search page shows results with the query's terms highlighted and the latency", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/`);
      await page.fill("#q", "糖尿病患者可以吃西瓜吗");
      await page.press("#q", "Enter");
      await page.waitForSelector("#hits li");
      expect(await page.locator("#hits li").count()).toBe(4);
      const marks = await page.locator("#hits mark").allTextContents();
      expect(marks).toEqual(expect.arrayContaining(["糖尿病", "西瓜", "患者"]));
      expect(marks).not.toContain("吗");
      expect(await page.locator("#took").textContent()).toMatch(/^\d+\.\d ms$/);
      expect(await page.locator("#status").textContent()).toMatch(
        /^4 results by dense · server \d+\.\d ms \(encoder \d+\.\d ms, index \d+\.\d ms\) · round trip \d+\.\d ms$/,
      );
      expect(await page.locator("#retriever").textContent()).toBe("dense");
    } finally {
      await browser.close();
    }
  });

  it("refuses a query encoder that does not pair with the index", async () => {
    const s = startServe(`hf:${other}`);
    await expect(s.url).rejects.toThrow(/query encoder mismatch: "hf:.*other-bert"/);
    expect(s.stderr()).not.toMatch(/\n\s+at /);
  });

  it("stops gracefully on SIGTERM", async () => {
    const exit = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    expect(await exit).toBe(0);
  });
});
