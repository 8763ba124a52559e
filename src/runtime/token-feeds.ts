import type { EncodedBatch } from "../tokenize/tokenizer.js";
import type { Tensor } from "./session.js";

/** A padded token batch as the `input_ids` and `attention_mask` feeds every encoder graph takes. */
export function tokenFeeds(b: EncodedBatch): Record<"input_ids" | "attention_mask", Tensor> {
  const shape = [b.batch, b.seqLen];
  return {
    input_ids: { dtype: "int64", shape, data: b.ids },
    attention_mask: { dtype: "int64", shape, data: b.mask },
  };
}
