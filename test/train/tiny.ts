/** Tiny random encoders (in memory) and feeds for the training tests. */
import { buildEncoder } from "../../src/models/family.js";
import { randomWeights, tinyConfig, tinyDims, type TinyFamily } from "../../src/models/make-tiny.js";
import type { Graph } from "../../src/graph/ir.js";
import type { Tensor } from "../../src/runtime/session.js";

export const VOCAB = 30;

export function tinyEncoder(
  family: TinyFamily,
  dtype: "float32" | "float64",
  o: { hidden?: number; layers?: number; heads?: number; seed?: number; dropout?: boolean } = {},
): { config: Record<string, unknown>; graph: Graph } {
  const dims = tinyDims(family, {
    hidden: o.hidden ?? 8,
    heads: o.heads ?? 2,
    layers: o.layers ?? 1,
    intermediate: 2 * (o.hidden ?? 8),
    maxPositions: 64,
  });
  const config = tinyConfig(family, dims, VOCAB);
  const pooling = family.startsWith("qwen") ? "last" : "cls";
  return {
    config,
    graph: buildEncoder(config, randomWeights(config, o.seed ?? 3), { pooling, dtype, dropout: o.dropout }),
  };
}

/** input_ids / attention_mask for rows of ids, right-padded with 0 and mask 0. */
export function tokenFeeds(rows: number[][], width: number): Record<string, Tensor> {
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((r, i) =>
    r.forEach((t, j) => {
      ids[i * width + j] = BigInt(t);
      mask[i * width + j] = 1n;
    }),
  );
  return {
    input_ids: { dtype: "int64", shape: [rows.length, width], data: ids },
    attention_mask: { dtype: "int64", shape: [rows.length, width], data: mask },
  };
}
