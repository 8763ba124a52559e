import type { Value } from "../graph/ir.js";
import type { GraphWeights } from "./graph-weights.js";
import type { ConfigReader } from "./config.js";

/** What a model family contributes to an encoder graph: its weight naming and its forward pass. */
export interface FamilyBody {
  /** Name prefixes a checkpoint of this family may carry (tried after no prefix). */
  prefixes(cfg: ConfigReader): string[];
  /** A tensor every checkpoint of the family has (detects the prefix). */
  anchor: string;
  /** The last hidden state [batch, seq, hidden] from int64 input_ids and attention_mask [batch, seq]. */
  build(cfg: ConfigReader, ck: GraphWeights, ids: Value, mask: Value, options: BodyOptions): Value;
}

export interface BodyOptions {
  /** Use ONNX Runtime's fused inference kernels (float32 only; graphs without gradients). */
  fused: boolean;
  /**
   * Only the first position of the last layer is read (CLS pooling, no hidden-state output), so the
   * last layer may return [batch, 1, hidden].
   */
  firstTokenOnly: boolean;
  /**
   * Training only: the int64 scalar that keys dropout masks. With it, a family applies the dropout its
   * config names (BERT: hidden_dropout_prob after the embeddings and each sublayer, and
   * attention_probs_dropout_prob on the attention weights); without it, none.
   */
  dropoutSeed?: Value;
}
