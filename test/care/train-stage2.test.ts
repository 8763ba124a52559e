/**
 * Stage II on the labelled toy set: after stage I (which cannot solve it: queries and documents share
 * no characters), training both encoders on the labelled rows — the document side through LoRA —
 * raises held-out top-1 accuracy far above stage I's, and the trained folders carry what evaluation
 * needs to present queries as training did.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { trainStage1 } from "../../src/care/train-stage1.js";
import { trainStage2 } from "../../src/care/train-stage2.js";
import { openWeights } from "../../src/weights/checkpoint.js";
import { pairScores } from "./measure.js";
import { tinyPair } from "./tiny.js";
import { PROMPT, TOPICS, toJsonl, toySet } from "./toy.js";

const root = mkdtempSync(join(tmpdir(), "care-stage2-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("care stage II", () => {
  it("raises top-1 accuracy on a labelled toy set above stage I", async () => {
    const { query, doc } = tinyPair(root);
    const toy = toySet(5);
    const train = toy.rows(330);
    const test = toy.rows(110);
    const docs = toy.docs();
    const s2data = join(root, "s2.jsonl");
    writeFileSync(s2data, toJsonl(train));
    const s1data = join(root, "s1.txt");
    writeFileSync(
      s1data,
      [...new Set(train.flatMap((r) => [r.query, ...r.pos, ...r.neg]))].join("\n") + "\n",
    );
    const task = { name: "toy", type: "retrieval" as const, queryInstruction: PROMPT };
    const score = (q: string, d: string) =>
      pairScores(
        q,
        d,
        test.map((r) => r.query),
        docs,
        test.map((r) => r.topic),
        task,
      );

    const s1 = await trainStage1({
      query,
      doc,
      data: s1data,
      out: join(root, "s1"),
      steps: 200,
      batchSize: 32,
      lr: 3e-3,
    });
    const afterS1 = await score(s1.models.query, doc);

    const s2 = await trainStage2({
      query: s1.models.query,
      doc,
      data: s2data,
      out: join(root, "s2"),
      steps: 100,
      batchSize: 16,
      groupSize: 4,
      lr: 1e-3,
      lora: { rank: 4, alpha: 8 },
    });
    const afterS2 = await score(s2.models.query, s2.models.doc);
    expect(afterS1.top1).toBeLessThan(3 / TOPICS); // chance is 1/11
    expect(afterS2.top1).toBeGreaterThan(afterS1.top1 + 0.4);
    expect(s2.lastLoss).toBeLessThan(s2.firstLoss);

    // The instruction the rows carried is now part of the query encoder's card.
    const card = JSON.parse(readFileSync(join(s2.models.query, "care.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(card).toMatchObject({ pooling: "cls", query_template: "{instruction}{text}" });
    expect(JSON.parse(readFileSync(join(s2.models.doc, "care.json"), "utf8"))).toMatchObject({
      pooling: "last",
    });
    // LoRA was merged: the document weights moved, projections only; the embeddings stayed frozen.
    const before = openWeights(doc);
    const after = openWeights(s2.models.doc);
    const moved = (name: string) => before.float32(name).some((v, i) => v !== after.float32(name)[i]);
    expect(moved(before.names().find((n) => n.endsWith("layers.0.self_attn.q_proj.weight"))!)).toBe(true);
    expect(moved(before.names().find((n) => n.endsWith("embed_tokens.weight"))!)).toBe(false);
    before.close();
    after.close();
  });
});
