/** Token batches padded to a multiple of 8 (steadier kernel shapes, fewer distinct graph shapes). */
import type { Tensor } from "../runtime/session.js";

export interface PadOptions {
  padId?: number;
  /** Round the padded length up to a multiple of this (default 8). */
  multiple?: number;
  /** Qwen-style last-token pooling works with either; the default is right padding. */
  side?: "right" | "left";
}

export function padBatch(
  rows: readonly (readonly number[])[],
  o: PadOptions = {},
): Record<"input_ids" | "attention_mask", Tensor> {
  const multiple = o.multiple ?? 8;
  const longest = Math.max(1, ...rows.map((r) => r.length));
  const width = Math.ceil(longest / multiple) * multiple;
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(o.padId ?? 0));
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((r, i) => {
    const start = i * width + (o.side === "left" ? width - r.length : 0);
    r.forEach((t, j) => {
      ids[start + j] = BigInt(t);
      mask[start + j] = 1n;
    });
  });
  const shape = [rows.length, width];
  return {
    input_ids: { dtype: "int64", shape, data: ids },
    attention_mask: { dtype: "int64", shape, data: mask },
  };
}
