/**
 * Model families chosen from config.json, and the encoder graph every embedder runs:
 * inputs `input_ids`, `attention_mask` (int64 [batch, seq]); outputs `last_hidden_state`
 * [batch, seq, hidden] and `embedding` [batch, hidden], the pooled hidden state (not normalised:
 * the embedder truncates Matryoshka-style, then normalises).
 */
import { Graph } from "../graph/ir.js";
import type { TensorSource } from "../weights/source.js";
import { CareError } from "../core/errors.js";
import { bertFamily } from "./bert.js";
import type { FamilyBody } from "./body.js";
import { GraphWeights, type FloatDType } from "./graph-weights.js";
import { ConfigReader, type Config } from "./config.js";
import { gteFamily } from "./gte.js";
import { pool, type Pooling } from "./layers.js";
import { qwenFamily } from "./qwen.js";

export type Family = "bert" | "qwen" | "gte";
export type { Pooling } from "./layers.js";

/** Supported config.json model_type values and the family each belongs to. */
export const MODEL_TYPES: Readonly<Record<string, Family>> = {
  bert: "bert",
  roberta: "bert",
  qwen2: "qwen",
  qwen3: "qwen",
  new: "gte",
};

const BODIES: Record<Family, FamilyBody> = { bert: bertFamily, qwen: qwenFamily, gte: gteFamily };

export interface EncoderOptions {
  pooling: Pooling;
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
}

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

export function buildEncoder(config: Config, weights: TensorSource, options: EncoderOptions): Graph {
  const file = options.configFile ?? "config.json";
  const family = familyOf(config, file);
  const cfg = new ConfigReader(config, file);
  const dtype = options.dtype ?? "float32";
  if (options.quantize && dtype !== "float32") throw new CareError("int8 quantisation needs a float32 graph");
  if (options.fused && dtype !== "float32") throw new CareError("fused kernels need a float32 graph");
  const body = BODIES[family];
  const graph = new Graph(`care-${family}`);
  const ids = graph.input("input_ids", "int64", ["batch", "seq"]);
  const mask = graph.input("attention_mask", "int64", ["batch", "seq"]);
  const ck = new GraphWeights(graph, weights, dtype, options.quantize, body.prefixes(cfg), body.anchor);
  const fused = options.fused ?? false;
  const hiddenOut = (options.outputs ?? "all") === "all";
  const firstTokenOnly = fused && !hiddenOut && options.pooling === "cls";
  const hidden = body.build(cfg, ck, ids, mask, { fused, firstTokenOnly });
  if (hiddenOut) graph.output("last_hidden_state", hidden);
  graph.output("embedding", pool(hidden, mask, options.pooling, cfg.int("hidden_size")));
  return graph;
}
