/**
 * Whole tiny BERT and Qwen encoders (float64, padded batches, repeated tokens) differentiated with
 * respect to every weight, and LoRA adapters on a Qwen3 encoder, against central finite differences.
 */
import { describe, it } from "vitest";
import { Graph } from "../../src/graph/ir.js";
import type { Tensor } from "../../src/runtime/session.js";
import { importGraph } from "../../src/train/params.js";
import { checkGradients, weightedSum } from "../graph/grad-check.js";
import { tinyEncoder, tokenFeeds } from "./tiny.js";

const ROWS = [
  [2, 5, 5, 9, 3],
  [4, 7, 2],
  [11, 5, 8, 8],
];

describe("whole-encoder gradients", () => {
  for (const family of ["bert", "qwen2", "qwen3"] as const) {
    it(`${family}: every weight`, async () => {
      const { graph: enc } = tinyEncoder(family, "float64");
      const g = new Graph("train");
      const imp = importGraph(g, enc, { trainable: () => true });
      const feeds: Record<string, Tensor> = tokenFeeds(ROWS, 6);
      for (const p of imp.params) feeds[p.name] = { dtype: "float64", shape: p.shape, data: p.init() };
      const loss = weightedSum(imp.outputs["embedding"], 99, [ROWS.length, 8]);
      await checkGradients(
        g,
        loss,
        imp.params.map((p) => p.value),
        feeds,
        { coords: 2, directions: 1, tol: 1e-5 },
      );
    });
  }

  it("qwen3 with LoRA on q/v/down projections (B moved off zero so A's gradient is live)", async () => {
    const { graph: enc } = tinyEncoder("qwen3", "float64");
    const g = new Graph("lora");
    const imp = importGraph(g, enc, {
      lora: { rank: 2, alpha: 4, targets: ["q_proj", "v_proj", "down_proj"], seed: 5 },
    });
    const feeds: Record<string, Tensor> = tokenFeeds(ROWS, 6);
    imp.params.forEach((p, i) => {
      const data = p.init();
      if (p.lora?.factor === "B") data.forEach((_, j) => (data[j] = Math.sin(i + j) * 0.3));
      feeds[p.name] = { dtype: "float64", shape: p.shape, data };
    });
    if (imp.params.length !== 6) throw new Error(`expected 3 adapters (6 factors), got ${imp.params.length}`);
    const loss = weightedSum(imp.outputs["embedding"], 99, [ROWS.length, 8]);
    await checkGradients(
      g,
      loss,
      imp.params.map((p) => p.value),
      feeds,
      { coords: 6, directions: 2, tol: 1e-5 },
    );
  });
});
