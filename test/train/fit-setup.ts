/**
 * A tiny BERT learning to map fixed token sequences to fixed random unit targets (MSE on normalised
 * CLS embeddings): shared by the fit, export and kill/resume tests and by the child process those
 * tests kill.
 */
import { Graph, type Value } from "../../src/graph/ir.js";
import { buildEncoder } from "../../src/models/family.js";
import { randomWeights, tinyConfig, tinyDims } from "../../src/models/make-tiny.js";
import { trainingFeeds } from "../../src/train/feeds.js";
import { exportCheckpoint } from "../../src/train/export.js";
import { l2Normalize, mse } from "../../src/train/losses.js";
import { importGraph } from "../../src/train/params.js";
import { rng } from "../../src/util/rng.js";
import type { TrainerOptions } from "../../src/train/trainer.js";

export const HIDDEN = 16;
export interface Example {
  ids: number[];
  target: number[];
}

export const fitConfig = tinyConfig(
  "bert",
  tinyDims("bert", { hidden: HIDDEN, heads: 2, layers: 2, intermediate: 32, maxPositions: 64 }),
  40,
);
export const fitWeights = randomWeights(fitConfig, 11);

export function examples(n: number, seed = 5): Example[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(r() * 9);
    const ids = [1, ...Array.from({ length: len }, () => 4 + Math.floor(r() * 36))];
    const t = Array.from({ length: HIDDEN }, () => r() * 2 - 1);
    const norm = Math.sqrt(t.reduce((s, x) => s + x * x, 0));
    return { ids, target: t.map((x) => x / norm) };
  });
}

export function fitOptions(
  outDir: string,
  o: Partial<TrainerOptions<Example>> = {},
  dtype: "float32" | "float64" = "float32",
): TrainerOptions<Example> {
  const typed = (v: number[]): Float32Array | Float64Array =>
    dtype === "float32" ? Float32Array.from(v) : Float64Array.from(v);
  return {
    outDir,
    examples: examples(24),
    batchSize: 8,
    steps: 50,
    lr: 2e-2,
    warmupSteps: 5,
    adamw: { weightDecay: 0.01, clipNorm: 1 },
    seed: 3,
    threads: 1,
    collate: (batch) => ({
      ...trainingFeeds(batch.map((e) => e.ids)),
      target: { dtype, shape: [batch.length, HIDDEN], data: typed(batch.flatMap((e) => e.target)) },
    }),
    spec: {
      build() {
        const enc = buildEncoder(fitConfig, fitWeights, { pooling: "cls", dtype });
        const g = new Graph("fit");
        const imp = importGraph(g, enc, { trainable: () => true });
        const target: Value = g.input("target", dtype, ["batch", HIDDEN]);
        const loss = mse(l2Normalize(imp.outputs["embedding"]), target);
        return { graph: g, loss, params: imp.params };
      },
    },
    save: (dir, params, values) =>
      exportCheckpoint(dir, { config: fitConfig, weights: fitWeights }, params, values),
    ...o,
  };
}
