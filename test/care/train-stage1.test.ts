/**
 * Stage I on tiny random encoders: the query encoder learns to reproduce the frozen document encoder's
 * embeddings, so on texts it never saw the MSE falls and each text's query embedding finds the same
 * text's document embedding among 100.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { trainStage1, docSpec } from "../../src/care/train-stage1.js";
import { embedDocuments } from "../../src/care/doc-cache.js";
import { loadEmbedder } from "../../src/embed/load.js";
import { convertToGguf } from "../../src/gguf/convert.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { TRAINING_CARD } from "../../src/train/st-folder.js";
import { pairScores } from "./measure.js";
import { randomTexts, tinyPair } from "./tiny.js";

const root = mkdtempSync(join(tmpdir(), "care-stage1-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("care stage I", () => {
  it("lowers the MSE and raises held-out top-1 accuracy above the untrained pair", async () => {
    const { query, doc } = tinyPair(root);
    const texts = randomTexts(500, 7);
    const train = texts.slice(0, 400);
    const held = texts.slice(400);
    const data = join(root, "texts.txt");
    writeFileSync(data, train.join("\n") + "\n");
    const gold = held.map((_, i) => i);
    const before = await pairScores(query, doc, held, held, gold);

    const r = await trainStage1({
      query,
      doc,
      data,
      out: join(root, "s1"),
      steps: 300,
      batchSize: 32,
      lr: 3e-3,
    });
    expect(r.examples).toBe(400);
    expect(r.lastLoss).toBeLessThan(r.firstLoss);
    const after = await pairScores(r.models.query, doc, held, held, gold);

    expect(after.mse).toBeLessThan(before.mse * 0.7);
    expect(after.top1).toBeGreaterThan(before.top1 + 0.3);
    // Chance is 0.01; BERT's dropout 0.1 (on, as in the recipe) slows this tiny encoder a little.
    expect(after.top1).toBeGreaterThan(0.3);

    const card = JSON.parse(readFileSync(join(r.models.query, "care.json"), "utf8")) as { pooling: string };
    expect(card.pooling).toBe("cls");
    // sentence-transformers reads the same pooling, and the card's README names the recipe.
    const pooling = JSON.parse(
      readFileSync(join(r.models.query, "1_Pooling", "config.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(pooling.pooling_mode_cls_token).toBe(true);
    expect(readFileSync(join(r.models.query, "README.md"), "utf8")).toContain("Recipe: care-stage1.");
    const record = JSON.parse(readFileSync(join(r.models.query, TRAINING_CARD), "utf8")) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({
      stage: "care-stage1",
      temperature: 0.1,
      weight_decay: 0.05,
      texts: 400,
      final_step: 300,
    });
    expect(readFileSync(r.lossPlot, "utf8")).toContain("<svg");
    expect(readFileSync(r.lossLog, "utf8").trim().split("\n")).toHaveLength(300);
  });

  it("takes its frozen document embeddings from a GGUF document encoder as well", async () => {
    const { query, doc } = tinyPair(join(root, "gguf"));
    const ck = openCheckpoint(doc);
    const file = join(root, "gguf", "doc.gguf");
    convertToGguf(ck, file, "f32");
    ck.weights.close();
    const texts = randomTexts(24, 11);
    const cache = join(root, "gguf", "cache");
    const viaGguf = await loadEmbedder(`gguf:${file}`);
    const viaHf = await loadEmbedder(docSpec(doc));
    try {
      const g = await embedDocuments(viaGguf, texts, cache);
      const h = await embedDocuments(viaHf, texts, cache);
      expect(g.cacheDir).not.toBe(h.cacheDir);
      g.vectors.forEach((v, i) =>
        expect(v.reduce((s, x, k) => s + x * h.vectors[i][k], 0)).toBeGreaterThan(0.999),
      );
    } finally {
      await viaGguf.close?.();
      await viaHf.close?.();
    }
    const data = join(root, "gguf", "texts.txt");
    writeFileSync(data, texts.join("\n") + "\n");
    const r = await trainStage1({
      query,
      doc: `gguf:${file}`,
      data,
      out: join(root, "gguf", "s1"),
      cache,
      steps: 3,
      batchSize: 8,
    });
    expect(r.steps).toBe(3);
    // The run read the GGUF side's cached vectors: no third cache folder appeared.
    expect(readdirSync(cache)).toHaveLength(2);
  });
});
