/**
 * Child process of `bench:encode`: the machine's ceilings for the bert-base 16-token targets. It times
 * ONNX Runtime running nothing but the matrix products of a bert-base forward pass (12 layers of
 * [rows, 768] × [768, 2304 | 768 | 3072] and [rows, 3072] × [3072, 768], the same threads):
 * fp32 at 16 rows (the fp32 target's products), fp32 at 256 rows (the rate ORT's fp32 GEMM reaches
 * when the shape is large: what 16 rows leave on the table), and int8 at 16 rows through
 * DynamicQuantizeMatMul with 7-bit weights (the int8 target's products). The report says how close
 * each encoder comes to its own matrix products and what rate each target would need.
 * Usage: gemm-ceiling.ts <threads> <result.json>
 */
import * as ort from "onnxruntime-node";
import { Graph, type Value } from "../../src/graph/ir.js";
import { toOnnxBytes } from "../../src/graph/onnx.js";
import { add, dynamicQuantizeMatMul, matmul, reduceSum } from "../../src/graph/ops.js";
import { INT8_WEIGHT_MAX } from "../../src/models/graph-weights.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { seededRandom } from "./texts.js";
import { summarizeLatency, type LatencySummary } from "./stats.js";

export interface ProductTiming {
  rows: number;
  precision: "fp32" | "int8";
  gflop: number;
  latency: LatencySummary;
  /** GFLOP/s for fp32; for int8 the same count of multiply-adds × 2 per second (GOP/s). */
  gflop_per_s: number;
}

export interface GemmCeiling {
  threads: number;
  fp32_16: ProductTiming;
  fp32_256: ProductTiming;
  int8_16: ProductTiming;
}

const LAYERS = 12;
const SHAPES: [number, number][] = [
  [768, 2304],
  [768, 768],
  [768, 3072],
  [3072, 768],
];

async function time(rows: number, precision: "fp32" | "int8", threads: number): Promise<ProductTiming> {
  const random = seededRandom(5);
  const floats = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5);
  const g = new Graph("gemm-ceiling");
  const inputs = new Map([768, 3072].map((k) => [k, g.input(`x${k}`, "float32", [rows, k])]));
  let total: Value | null = null;
  let flop = 0;
  for (let l = 0; l < LAYERS; l++)
    for (const [k, n] of SHAPES) {
      const x = inputs.get(k)!;
      const y =
        precision === "fp32"
          ? matmul(x, g.constant("float32", [k, n], floats(k * n)))
          : dynamicQuantizeMatMul(
              x,
              g.constant(
                "int8",
                [k, n],
                Int8Array.from({ length: k * n }, () => Math.round((random() * 2 - 1) * INT8_WEIGHT_MAX)),
              ),
              g.constant("float32", [n], floats(n)),
              null,
            );
      // Each product is reduced to a scalar so that all of them are needed by the one output.
      const s = reduceSum(y, [0, 1], false);
      total = total ? add(total, s) : s;
      flop += 2 * rows * k * n;
    }
  g.output("y", total!);
  const session = await ort.InferenceSession.create(toOnnxBytes(g), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  const feeds = Object.fromEntries(
    [768, 3072].map((k) => [`x${k}`, new ort.Tensor("float32", floats(rows * k), [rows, k])]),
  );
  // About 3 s of timed runs whatever the shape.
  const runs = rows > 16 ? 10 : 100;
  for (let i = 0; i < Math.max(3, runs / 10); i++) await session.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t);
  }
  await session.release();
  const latency = summarizeLatency(ms);
  return { rows, precision, gflop: flop / 1e9, latency, gflop_per_s: flop / 1e6 / latency.p50_ms };
}

async function main(): Promise<void> {
  const [threadsArg, resultFile] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const result: GemmCeiling = {
    threads,
    fp32_16: await time(16, "fp32", threads),
    fp32_256: await time(256, "fp32", threads),
    int8_16: await time(16, "int8", threads),
  };
  writeFileAtomic(resultFile, JSON.stringify(result, null, 2) + "\n");
}

await main();
