import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_CORPUS_TASK, runDemo } from "../../src/cli/demo.js";
import { loadTask } from "../../src/tasks/load.js";
import { openIndex } from "../../src/store/open.js";
import { launchChromium } from "../helpers/chromium.js";
import { DATA } from "../data/paths.js";

describe("care demo (the README's main job) without a trained pair", () => {
  const work = mkdtempSync(join(tmpdir(), "care-demo-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes the report, serves BM25 (saying so), and the page's first hit for held-in queries is relevant", async () => {
    const lines: string[] = [];
    // No trained pair where the demo looks (whatever this checkout's .cache holds).
    const trainedPair = { queryDir: join(work, "none", "query"), docDir: join(work, "none", "doc") };
    const demo = await runDemo({ from: DATA, work, serve: true, port: 0, trainedPair }, (l) => lines.push(l));
    try {
      const report = join(work, "results", "leaderboard.md");
      const log = lines.join("\n");
      expect(log).toContain(report);
      const board = readFileSync(report, "utf8");
      for (const task of ["CMedQA-Retrieval", "CMedIR-Reranking", "Tianchi-STS", "CMedTC-Clustering"])
        expect(board).toContain(task);
      expect(existsSync(join(work, "results", "leaderboard.html"))).toBe(true);

      // Without trained encoders the demo serves BM25 and says so, never random encoders.
      expect(demo.retriever).toBe("bm25");
      expect(log).toMatch(/NOTE: No trained encoder pair: this page searches with BM25 alone/);
      const task = await loadTask(join(work, "suite", DEMO_CORPUS_TASK));
      if (!("data" in task)) throw new Error("the demo corpus is a ranking task");
      const index = await openIndex(demo.index);
      try {
        expect(await index.count()).toBe(task.data.corpus.length);
      } finally {
        await index.close();
      }

      // The first five queries of the task, in file order, typed into the page; relevance is the
      // task's own labels. BM25's first hit is relevant for two queries in three over the whole task.
      const queries = task.data.queries.slice(0, 5);
      const browser = await launchChromium();
      let relevant = 0;
      try {
        const page = await browser.newPage();
        await page.goto(`${demo.url}/`);
        expect(await page.locator("#note").textContent()).toMatch(/BM25 alone/);
        for (const q of queries) {
          await page.fill("#q", q.text);
          await page.press("#q", "Enter");
          await page.waitForFunction(
            `document.getElementById("status").dataset.query === ${JSON.stringify(q.text)}`,
          );
          expect(await page.locator("#retriever").textContent()).toBe("BM25");
          const firstId = (await page.locator("#hits li .meta").first().textContent())!.split(" · ")[0];
          if ((task.data.qrels.get(q.id)?.get(firstId) ?? 0) > 0) relevant++;
        }
      } finally {
        await browser.close();
      }
      expect(relevant).toBeGreaterThanOrEqual(3);
    } finally {
      await demo.close();
    }
  });

  it("with --train, trains a CARE pair through the library and serves hybrid search over it", async () => {
    // Steps and sizes cut to seconds: this checks the path, not the pair's quality (see the note in docs).
    const tiny = { layers: 1, hidden: 32, heads: 2 };
    const step = { steps: 2, lr: 1e-3, batchSize: 4 };
    const lines: string[] = [];
    const demo = await runDemo(
      {
        from: DATA,
        work,
        serve: true,
        port: 0,
        train: true,
        pairSettings: {
          doc: tiny,
          query: tiny,
          queryMaxLength: 16,
          docMaxLength: 24,
          symmetric: { ...step, groupSize: 2 },
          stage1: step,
          stage2: { ...step, groupSize: 2 },
          loraRank: 2,
          trainRows: 64,
          devRows: 40,
          devQueries: 10,
        },
        corpus: "MedicalDialogue-Retrieval",
      },
      (l) => lines.push(l),
    );
    try {
      expect(demo.retriever).toBe("hybrid");
      const log = lines.join("\n");
      for (const stage of ["1/3 document encoder", "2/3 CARE stage I", "3/3 CARE stage II"])
        expect(log).toContain(stage);
      // The dev split's scores, and the fusion it chose, are said in the console and on the page.
      expect(log).toMatch(/dev split .* nDCG@10: BM25 \d+\.\d\d, the CARE pair alone \d+\.\d\d, hybrid/);
      const res = await fetch(`${demo.url}/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "糖尿病饮食", top_k: 3 }),
      });
      const body = (await res.json()) as { retriever: string; hits: unknown[] };
      expect(body.retriever).toBe("hybrid");
      expect(body.hits).toHaveLength(3);
      expect(await (await fetch(`${demo.url}/`)).text()).toMatch(/dev split/);
    } finally {
      await demo.close();
    }
  });

  it("says exactly which files it needs when the data is missing", async () => {
    await expect(
      runDemo({ from: join(work, "nowhere"), work, serve: false, port: 0 }, () => undefined),
    ).rejects.toThrow(/cMedQA\/dev\.txt/);
  });
});
