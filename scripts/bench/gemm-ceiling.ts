/**
 * Child process of `bench:encode`: the machine's ceiling for the bert-base 16-token target. It times
 * ONNX Runtime running nothing but the matrix products of a bert-base forward pass (12 layers of
 * [16, 768] × [768, 2304 | 768 | 3072] and [16, 3072] × [3072, 768], fp32, the same threads), so the
 * report can say how close the whole encoder comes to its own matrix products, and what rate the
 * target would need. Usage: gemm-ceiling.ts <threads> <result.json>
 */
import * as ort from "onnxruntime-node";
import { Graph, type Value } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { add, matmul, reduceSum } from "../../src/graph/ops.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { seededRandom } from "./texts.js";
import { summarizeLatency, type LatencySummary } from "./stats.js";

export interface GemmCeiling {
  rows: number;
  threads: number;
  gflop: number;
  latency: LatencySummary;
  gflop_per_s: number;
}

const ROWS = 16;
const LAYERS = 12;
const SHAPES: [number, number][] = [
  [768, 2304],
  [768, 768],
  [768, 3072],
  [3072, 768],
];

async function main(): Promise<void> {
  const [threadsArg, resultFile] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const random = seededRandom(5);
  const g = new Graph("gemm-ceiling");
  const inputs = new Map([768, 3072].map((k) => [k, g.input(`x${k}`, "float32", [ROWS, k])]));
  let total: Value | null = null;
  let flop = 0;
  for (let l = 0; l < LAYERS; l++)
    for (const [k, n] of SHAPES) {
      const w = g.constant(
        "float32",
        [k, n],
        Float32Array.from({ length: k * n }, () => random() - 0.5),
      );
      // Each product is reduced to a scalar so that all of them are needed by the one output.
      const s = reduceSum(matmul(inputs.get(k)!, w), [0, 1], false);
      total = total ? add(total, s) : s;
      flop += 2 * ROWS * k * n;
    }
  g.output("y", total!);
  const session = await ort.InferenceSession.create(toOnnxBytes(g), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const feeds = Object.fromEntries(
    [768, 3072].map((k) => [
      `x${k}`,
      new ort.Tensor(
        "float32",
        Float32Array.from({ length: ROWS * k }, () => random() - 0.5),
        [ROWS, k],
      ),
    ]),
  );
  for (let i = 0; i < 10; i++) await session.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t);
  }
  const latency = summarizeLatency(ms);
  const result: GemmCeiling = {
    rows: ROWS,
    threads,
    gflop: flop / 1e9,
    latency,
    gflop_per_s: flop / 1e6 / latency.p50_ms,
  };
  writeFileAtomic(resultFile, JSON.stringify(result, null, 2) + "\n");
}

await main();
