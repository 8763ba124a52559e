/**
 * A stage-II run (both encoders, LoRA with dropout on the document side, groups drawn per batch)
 * killed with SIGKILL through the CLI and run again ends at the weights of an uninterrupted run: the
 * recipe adds no state the training engine's checkpoints do not carry.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { trainStage2 } from "../../src/care/train-stage2.js";
import { openWeights } from "../../src/weights/checkpoint.js";
import { runCliChild } from "../helpers/cli-child.js";
import { killAtCheckpoint } from "../helpers/kill-at-checkpoint.js";
import { tinyPair } from "./tiny.js";
import { toJsonl, toySet } from "./toy.js";

const root = mkdtempSync(join(tmpdir(), "care-resume-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function maxDiff(a: string, b: string): number {
  const wa = openWeights(a);
  const wb = openWeights(b);
  let d = 0;
  for (const n of wa.names()) {
    const x = wa.float32(n);
    const y = wb.float32(n);
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  }
  wa.close();
  wb.close();
  return d;
}

describe("stage II resume", () => {
  it("a run killed with SIGKILL resumes to the uninterrupted weights", async () => {
    const { query, doc } = tinyPair(root);
    const data = join(root, "s2.jsonl");
    writeFileSync(data, toJsonl(toySet(3).rows(120)));
    const flags = {
      steps: 60,
      saveEvery: 5,
      batchSize: 8,
      groupSize: 3,
      lr: 1e-3,
      lora: { rank: 4, alpha: 8, dropout: 0.1 },
    };
    const reference = await trainStage2({ query, doc, data, out: join(root, "ref"), ...flags });

    const out = join(root, "killed");
    const argv = [
      "train",
      "stage2",
      "--query",
      query,
      "--doc",
      doc,
      "--data",
      data,
      "--out",
      out,
      "--steps",
      "60",
      "--save-every",
      "5",
      "--batch-size",
      "8",
      "--group-size",
      "3",
      "--lr",
      "0.001",
      "--lora-rank",
      "4",
      "--lora-alpha",
      "8",
      "--lora-dropout",
      "0.1",
    ];
    const killedAt = await killAtCheckpoint(runCliChild(argv).child, out, 5, 60_000);
    expect(killedAt).toBeGreaterThanOrEqual(5);
    expect(killedAt).toBeLessThan(60);

    const resumed = await trainStage2({ query, doc, data, out, ...flags });
    expect(resumed.resumedFrom).toBe(killedAt);
    expect(maxDiff(resumed.models.query, reference.models.query)).toBeLessThan(1e-5);
    expect(maxDiff(resumed.models.doc, reference.models.doc)).toBeLessThan(1e-5);
  }, 120_000);
});
