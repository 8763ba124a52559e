/**
 * Whole tiny BERT and Qwen encoders (float64, padded batches, repeated tokens) differentiated with
 * respect to every weight, and LoRA adapters on a Qwen3 encoder, against central finite differences.
 */
import { describe, expect, it } from "vitest";
import { Graph } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { DROPOUT_SEED, buildEncoder } from "../../src/models/family.js";
import { Session, type Tensor } from "../../src/runtime/session.js";
import { importGraph } from "../../src/train/params.js";
import { checkGradients, weightedSum } from "../graph/grad-check.js";
import { tinyEncoder, tokenFeeds, VOCAB } from "./tiny.js";
import { PrefixedSource } from "../../src/models/head.js";
import { randomWeights, tinyConfig, tinyDims } from "../../src/models/make-tiny.js";
import { MapTensorSource } from "../../src/weights/source.js";

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

  for (const [family, pooling] of [
    ["bert", "max"],
    ["xlm-roberta", "weightedmean"],
  ] as const) {
    it(`${family}: ${pooling} pooling and a Dense tanh module (sentence-transformers head), every weight`, async () => {
      const config = tinyConfig(
        family,
        tinyDims(family, { hidden: 8, heads: 2, layers: 1, maxPositions: 64 }),
        VOCAB,
      );
      const dense = {
        path: "2_Dense",
        inFeatures: 8,
        outFeatures: 6,
        bias: true,
        activation: "tanh" as const,
        residual: false,
        weights: new PrefixedSource(
          new MapTensorSource(
            new Map([
              [
                "linear.weight",
                { shape: [6, 8], data: Float32Array.from({ length: 48 }, (_, i) => Math.sin(i) * 0.4) },
              ],
              [
                "linear.bias",
                { shape: [6], data: Float32Array.from({ length: 6 }, (_, i) => Math.cos(i) * 0.2) },
              ],
            ]),
          ),
          "2_Dense",
        ),
      };
      const enc = buildEncoder(config, randomWeights(config, 3), {
        pooling,
        dtype: "float64",
        dense: [dense],
      });
      const g = new Graph("train");
      const imp = importGraph(g, enc, { trainable: () => true });
      if (!imp.params.some((p) => p.origin?.tensor === "2_Dense/linear.weight"))
        throw new Error("Dense not trainable");
      const feeds: Record<string, Tensor> = tokenFeeds(ROWS, 6);
      for (const p of imp.params) feeds[p.name] = { dtype: "float64", shape: p.shape, data: p.init() };
      const loss = weightedSum(imp.outputs["embedding"], 99, [ROWS.length, 6]);
      await checkGradients(
        g,
        loss,
        imp.params.map((p) => p.value),
        feeds,
        { coords: 2, directions: 1, tol: 1e-5 },
      );
    });
  }
  it("bert training graph with dropout 0.1: masks keyed by the seed input, gradients exact for a fixed mask", async () => {
    const { graph: enc, config } = tinyEncoder("bert", "float64", { dropout: true });
    expect(config.hidden_dropout_prob).toBe(0.1);
    const g = new Graph("dropout");
    const imp = importGraph(g, enc, { trainable: () => true });
    const seed = (v: number): Tensor => ({ dtype: "int64", shape: [], data: BigInt64Array.of(BigInt(v)) });
    const feeds: Record<string, Tensor> = { ...tokenFeeds(ROWS, 6), [DROPOUT_SEED]: seed(7) };
    for (const p of imp.params) feeds[p.name] = { dtype: "float64", shape: p.shape, data: p.init() };
    const out = new Graph("forward");
    const fwd = importGraph(out, tinyEncoder("bert", "float64", { dropout: true }).graph, {});
    out.output("e", fwd.outputs["embedding"]);
    const plain = new Graph("plain");
    plain.output("e", importGraph(plain, tinyEncoder("bert", "float64").graph, {}).outputs["embedding"]);
    const run = async (graph: Graph, f: Record<string, Tensor>): Promise<number[]> => {
      const s = await Session.create(toOnnxBytes(graph), { threads: 1 });
      const r = Array.from((await s.run(f))["e"].data as Float64Array);
      await s.dispose();
      return r;
    };
    const tokens = tokenFeeds(ROWS, 6);
    const a = await run(out, { ...tokens, [DROPOUT_SEED]: seed(7) });
    expect(await run(out, { ...tokens, [DROPOUT_SEED]: seed(7) })).toEqual(a);
    expect(await run(out, { ...tokens, [DROPOUT_SEED]: seed(8) })).not.toEqual(a);
    // Inference graphs (no dropout option) take no seed and drop nothing.
    expect(await run(plain, tokens)).not.toEqual(a);
    const loss = weightedSum(imp.outputs["embedding"], 99, [ROWS.length, 8]);
    await checkGradients(
      g,
      loss,
      imp.params.map((p) => p.value),
      feeds,
      { coords: 2, directions: 1, tol: 1e-5 },
    );
  });

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
