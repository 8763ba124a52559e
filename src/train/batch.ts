import type { Tensor } from "../runtime/session.js";
import { padBatch as padTokens } from "../tokenize/tokenizer.js";

export interface PadOptions {
  padId?: number;
  /** Round the padded length up to a multiple of this (default 8). */
  multiple?: number;
  /** Qwen-style last-token pooling works with either; the default is right padding. */
  side?: "right" | "left";
}

/** Token batches as graph feeds, padded to a multiple of 8 (steadier kernel shapes, fewer graph shapes). */
export function padBatch(
  rows: readonly (readonly number[])[],
  o: PadOptions = {},
): Record<"input_ids" | "attention_mask", Tensor> {
  const b = padTokens(rows, o.padId ?? 0, o.side ?? "right", o.multiple ?? 8);
  const shape = [b.batch, b.seqLen];
  return {
    input_ids: { dtype: "int64", shape, data: b.ids },
    attention_mask: { dtype: "int64", shape, data: b.mask },
  };
}
