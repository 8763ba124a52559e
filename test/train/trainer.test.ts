/**
 * The trainer end to end on a tiny BERT: the loss falls steadily, both optimizers give the same
 * weights, the exported Hugging Face folder loads in the model engine and reproduces the trained fit,
 * and a run killed with SIGKILL resumes to the weights of an uninterrupted run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { buildEncoder } from "../../src/models/family.js";
import { Session } from "../../src/runtime/session.js";
import { trainingFeeds } from "../../src/train/feeds.js";
import { train, type TrainResult } from "../../src/train/trainer.js";
import { openCheckpoint } from "../../src/weights/checkpoint.js";
import { killAtCheckpoint } from "../helpers/kill-at-checkpoint.js";
import { examples, fitOptions, HIDDEN } from "./fit-setup.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "care-train-"));

function maxDiff(a: TrainResult, b: TrainResult): number {
  let d = 0;
  a.values.forEach((v, i) => v.forEach((x, j) => (d = Math.max(d, Math.abs(x - b.values[i][j])))));
  return d;
}

/** Mean over examples of |normalise(embedding) - target|^2 / HIDDEN, from an HF folder. */
async function fitLoss(dir: string): Promise<number> {
  const ck = openCheckpoint(dir);
  const s = await Session.create(toOnnxBytes(buildEncoder(ck.config, ck.weights, { pooling: "cls" })), {
    threads: 1,
  });
  const ex = examples(24);
  const out = await s.run(trainingFeeds(ex.map((e) => e.ids)));
  await s.dispose();
  const emb = out["embedding"].data as Float32Array;
  let total = 0;
  ex.forEach((e, i) => {
    const row = emb.subarray(i * HIDDEN, (i + 1) * HIDDEN);
    const n = Math.sqrt(row.reduce((a, x) => a + x * x, 0));
    row.forEach((x, j) => (total += (x / n - e.target[j]) ** 2));
  });
  return total / (ex.length * HIDDEN);
}

describe("trainer", () => {
  it("fits a fixed target set: 10-step mean loss falls in every window; export reloads", async () => {
    const out = tmp();
    const r = await train(fitOptions(out));
    const windows = [0, 1, 2, 3, 4].map(
      (w) => r.log.slice(w * 10, w * 10 + 10).reduce((s, e) => s + e.loss, 0) / 10,
    );
    for (let w = 1; w < windows.length; w++) expect(windows[w]).toBeLessThan(windows[w - 1]);
    expect(windows[4]).toBeLessThan(windows[0] * 0.5);
    expect(readFileSync(join(out, "loss.svg"), "utf8")).toContain("<polyline");
    expect(readFileSync(join(out, "loss.jsonl"), "utf8").trim().split("\n")).toHaveLength(50);
    // The exported folder, loaded by the model engine, gives the fit the last steps reached.
    const trained = await fitLoss(r.checkpoint);
    expect(trained).toBeLessThan(r.log[0].loss * 0.5);
    expect(Math.abs(trained - r.log[49].loss)).toBeLessThan(0.25 * r.log[49].loss);
  }, 60_000);

  it("in-graph AdamW with accumulation matches the TypeScript optimizer (float64)", async () => {
    const common = { steps: 6, microBatches: 2, batchSize: 4 };
    const ts = await train(fitOptions(tmp(), { ...common, optimizer: "typescript" }, "float64"));
    const graph = await train(fitOptions(tmp(), { ...common, optimizer: "graph" }, "float64"));
    expect(maxDiff(ts, graph)).toBeLessThan(1e-9);
    graph.log.forEach((e, i) => expect(e.loss).toBeCloseTo(ts.log[i].loss, 5));
  }, 60_000);

  for (const optimizer of ["typescript", "graph"] as const) {
    it(`a run killed with SIGKILL resumes to the uninterrupted weights (${optimizer} optimizer)`, async () => {
      const opts = { steps: 20, checkpointEvery: 3, optimizer, microBatches: 2, batchSize: 4 };
      const reference = await train(fitOptions(tmp(), opts));
      const out = tmp();
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          fileURLToPath(new URL("./fixtures/train-child.ts", import.meta.url)),
          out,
          optimizer,
        ],
        {
          stdio: "ignore",
          env: { ...process.env, CARE_QUIET: "1" },
        },
      );
      const killedAt = await killAtCheckpoint(child, out, 9, 40_000);
      expect(killedAt).toBeGreaterThanOrEqual(9);
      expect(killedAt).toBeLessThan(20);
      const resumed = await train(fitOptions(out, opts));
      expect(resumed.resumedFrom).toBe(killedAt);
      expect(maxDiff(resumed, reference)).toBeLessThan(1e-5);
      expect(resumed.log.map((e) => e.step)).toEqual(reference.log.map((e) => e.step));
      expect(existsSync(join(out, `checkpoint-${killedAt - 6}`))).toBe(false);
    }, 60_000);
  }
});
