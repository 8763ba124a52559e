/**
 * Model families chosen from config.json, and the encoder graph every embedder runs:
 * inputs `input_ids`, `attention_mask` (int64 [batch, seq]); outputs `last_hidden_state`
 * [batch, seq, hidden] and `embedding` [batch, hidden], the pooled hidden state (not normalised:
 * the embedder truncates Matryoshka-style, then normalises).
 */
import { Graph, type Value } from "../graph/ir.js";
import { cast, cumSum, greater, mul, unsqueeze } from "../graph/ops.js";
import type { TensorSource } from "../weights/source.js";
import { CareError } from "../core/errors.js";
import { bertFamily } from "./bert.js";
import type { FamilyBody } from "./body.js";
import { GraphWeights, type FloatDType } from "./graph-weights.js";
import { ConfigReader, type Config } from "./config.js";
import { gteFamily } from "./gte.js";
import { applyDense, type DenseLayer } from "./head.js";
import { pool, type Pooling } from "./layers.js";
import { qwenFamily } from "./qwen.js";

export type Family = "bert" | "qwen" | "gte";
export type { Pooling } from "./layers.js";

/** Supported config.json model_type values and the family each belongs to. */
export const MODEL_TYPES: Readonly<Record<string, Family>> = {
  bert: "bert",
  roberta: "bert",
  "xlm-roberta": "bert",
  qwen2: "qwen",
  qwen3: "qwen",
  new: "gte",
};

const BODIES: Record<Family, FamilyBody> = { bert: bertFamily, qwen: qwenFamily, gte: gteFamily };

export interface EncoderOptions {
  pooling: Pooling;
  /** sentence-transformers Dense modules after pooling (their output is the embedding). */
  dense?: readonly DenseLayer[];
  /**
   * Pool without the prompt (1_Pooling `include_prompt: false`): the graph takes an int64 input
   * `prompt_length` [batch], the prompt's tokens (leading special tokens included) at the start of
   * each row's real tokens, and leaves them out of pooling.
   */
  excludePrompt?: boolean;
  /** Graph precision (default float32); float64 exists for gradient checks. */
  dtype?: FloatDType;
  /** Dynamic int8 quantisation of the linear layers (float32 graphs only). */
  quantize?: "int8";
  /**
   * Run ONNX Runtime's fused inference kernels (attention, residual + LayerNorm, bias + GELU) where the
   * family has them (default false). Inference only: float32, and the graph has no gradients, so
   * graphs for training leave it off.
   */
  fused?: boolean;
  /**
   * Outputs (default "all"). "embedding" drops `last_hidden_state`, so with CLS pooling a fused graph
   * computes the last layer's attention output and MLP for the first token only.
   */
  outputs?: "all" | "embedding";
  /** Where the config came from, for error messages (default "config.json"). */
  configFile?: string;
  /**
   * Training graphs: apply the family's dropout, masks keyed by an int64 scalar input `dropout_seed`
   * (default false; inference never drops).
   */
  dropout?: boolean;
}

/** The graph input that keys a training graph's dropout masks. */
export const DROPOUT_SEED = "dropout_seed";

export function familyOf(config: Config, configFile = "config.json"): Family {
  const type = config["model_type"];
  const family = typeof type === "string" ? MODEL_TYPES[type] : undefined;
  if (!family) {
    const supported = Object.keys(MODEL_TYPES).join(", ");
    throw new CareError(
      `unsupported model_type ${JSON.stringify(type)}; supported: ${supported}`,
      configFile,
    );
  }
  return family;
}

/** The pooling each family's embedding models use unless a model card says otherwise. */
export function defaultPooling(family: Family): Pooling {
  return family === "qwen" ? "last" : "cls";
}

/**
 * Whether texts end with the end-of-text token: decoders pooled at the last token read its hidden
 * state (Qwen3-Embedding's reference code appends it); encoders already end with [SEP] or </s>.
 */
export function appendsEndToken(family: Family, pooling: Pooling): boolean {
  return family === "qwen" && pooling === "last";
}

export function buildEncoder(config: Config, weights: TensorSource, options: EncoderOptions): Graph {
  const file = options.configFile ?? "config.json";
  const family = familyOf(config, file);
  const cfg = new ConfigReader(config, file);
  const dtype = options.dtype ?? "float32";
  if (options.quantize && dtype !== "float32") throw new CareError("int8 quantisation needs a float32 graph");
  if (options.fused && dtype !== "float32") throw new CareError("fused kernels need a float32 graph");
  if (options.excludePrompt && options.pooling === "cls")
    throw new CareError(
      "CLS pooling reads the first token, which is the prompt's: include_prompt false cannot apply",
    );
  const body = BODIES[family];
  const graph = new Graph(`care-${family}`);
  const ids = graph.input("input_ids", "int64", ["batch", "seq"]);
  const mask = graph.input("attention_mask", "int64", ["batch", "seq"]);
  const ck = new GraphWeights(graph, weights, dtype, options.quantize, body.prefixes(cfg), body.anchor);
  const fused = options.fused ?? false;
  const hiddenOut = (options.outputs ?? "all") === "all";
  const firstTokenOnly = fused && !hiddenOut && options.pooling === "cls" && !options.excludePrompt;
  if (options.dropout && fused)
    throw new CareError("dropout belongs to training graphs, which are not fused");
  const dropoutSeed = options.dropout ? graph.input(DROPOUT_SEED, "int64", []) : undefined;
  const hidden = body.build(cfg, ck, ids, mask, { fused, firstTokenOnly, dropoutSeed });
  if (hiddenOut) graph.output("last_hidden_state", hidden);
  let poolMask = mask;
  if (options.excludePrompt) {
    poolMask = withoutPrompt(mask, graph.input("prompt_length", "int64", ["batch"]));
  }
  const pooled = pool(hidden, poolMask, options.pooling, cfg.int("hidden_size"));
  graph.output("embedding", options.dense?.length ? applyDense(pooled, options.dense, dtype) : pooled);
  return graph;
}

/** The attention mask with each row's first `promptLength` real tokens cleared. */
function withoutPrompt(mask: Value, promptLength: Value): Value {
  const rank = cumSum(mask, 1); // 1, 2, … over real tokens
  return mul(mask, cast(greater(rank, unsqueeze(promptLength, [1])), "int64"));
}
