import { CareError } from "../core/errors.js";
import { PoolingType } from "./format.js";
import type { GgufMetadata } from "./metadata.js";

/** The GGUF architectures the writer knows, named as llama.cpp names them. */
export type GgufArch = "qwen2" | "qwen3";
export const GGUF_ARCHES: readonly GgufArch[] = ["qwen2", "qwen3"];

/** What the writer needs from a Qwen2/Qwen3 config.json, validated. */
export interface QwenHparams {
  arch: GgufArch;
  vocabSize: number;
  hidden: number;
  layers: number;
  ffn: number;
  heads: number;
  kvHeads: number;
  /** Set when config.json gives head_dim (Qwen3), which may differ from hidden / heads. */
  headDim?: number;
  contextLength: number;
  ropeTheta: number;
  rmsEps: number;
}

/**
 * Reads and checks the config fields llama.cpp's qwen2/qwen3 graphs depend on, refusing variants they
 * would silently compute differently (other activations, rope scaling, sliding windows, Qwen3 biases).
 */
export function qwenHparams(config: Record<string, unknown>, file: string): QwenHparams {
  const type = config.model_type;
  if (type !== "qwen2" && type !== "qwen3")
    throw new CareError(
      `model_type "${String(type)}" has no GGUF writer; supported: ${GGUF_ARCHES.join(", ")}`,
      file,
    );
  const int = (key: string, fallback?: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0)
      throw new CareError(`${key} must be a positive integer, got ${JSON.stringify(v)}`, file);
    return v;
  };
  const real = (key: string, fallback: number): number => {
    const v = config[key] ?? fallback;
    if (typeof v !== "number" || !(v > 0)) throw new CareError(`${key} must be a positive number`, file);
    return v;
  };
  const act = config.hidden_act ?? "silu";
  if (act !== "silu")
    throw new CareError(`hidden_act "${String(act)}": llama.cpp's ${type} graph uses silu`, file);
  if (config.rope_scaling != null)
    throw new CareError("rope_scaling is set; the GGUF writer supports plain rotary positions only", file);
  if (config.use_sliding_window === true)
    throw new CareError("use_sliding_window is true; the GGUF writer supports full attention only", file);
  if (type === "qwen3" && config.attention_bias === true)
    throw new CareError("attention_bias is true; llama.cpp's qwen3 graph has no q/k/v biases", file);
  const heads = int("num_attention_heads");
  return {
    arch: type,
    vocabSize: int("vocab_size"),
    hidden: int("hidden_size"),
    layers: int("num_hidden_layers"),
    ffn: int("intermediate_size"),
    heads,
    kvHeads: int("num_key_value_heads", heads),
    headDim: config.head_dim === undefined ? undefined : int("head_dim"),
    contextLength: int("max_position_embeddings"),
    ropeTheta: real("rope_theta", 10000),
    rmsEps: real("rms_norm_eps", 1e-6),
  };
}

/** Writes the `general.architecture` and `<arch>.*` keys; pooling is last-token, as Qwen3-Embedding's. */
export function addArchitecture(meta: GgufMetadata, h: QwenHparams): void {
  const a = h.arch;
  meta
    .string("general.architecture", a)
    .u32(`${a}.context_length`, h.contextLength)
    .u32(`${a}.embedding_length`, h.hidden)
    .u32(`${a}.block_count`, h.layers)
    .u32(`${a}.feed_forward_length`, h.ffn)
    .u32(`${a}.attention.head_count`, h.heads)
    .u32(`${a}.attention.head_count_kv`, h.kvHeads)
    .f32(`${a}.rope.freq_base`, h.ropeTheta)
    .f32(`${a}.attention.layer_norm_rms_epsilon`, h.rmsEps)
    .u32(`${a}.pooling_type`, PoolingType.LAST);
  if (h.headDim !== undefined)
    meta.u32(`${a}.attention.key_length`, h.headDim).u32(`${a}.attention.value_length`, h.headDim);
}

const LAYER_TENSORS: Record<string, string> = {
  "input_layernorm.weight": "attn_norm.weight",
  "post_attention_layernorm.weight": "ffn_norm.weight",
  "self_attn.q_proj.weight": "attn_q.weight",
  "self_attn.k_proj.weight": "attn_k.weight",
  "self_attn.v_proj.weight": "attn_v.weight",
  "self_attn.o_proj.weight": "attn_output.weight",
  "self_attn.q_proj.bias": "attn_q.bias",
  "self_attn.k_proj.bias": "attn_k.bias",
  "self_attn.v_proj.bias": "attn_v.bias",
  "self_attn.q_norm.weight": "attn_q_norm.weight",
  "self_attn.k_norm.weight": "attn_k_norm.weight",
  "mlp.gate_proj.weight": "ffn_gate.weight",
  "mlp.up_proj.weight": "ffn_up.weight",
  "mlp.down_proj.weight": "ffn_down.weight",
};

/**
 * llama.cpp's name for an HF tensor ("model." prefixed or, as Qwen3-Embedding ships, bare), or null
 * for the LM head, which an embedding model never uses (llama.cpp falls back to the token embedding
 * for its output head). Anything else is a CareError: dropping an unknown tensor silently could mean
 * a different model.
 */
export function ggufTensorName(hfName: string, file: string): string | null {
  const name = hfName.startsWith("model.") ? hfName.slice("model.".length) : hfName;
  if (name === "embed_tokens.weight") return "token_embd.weight";
  if (name === "norm.weight") return "output_norm.weight";
  if (hfName === "lm_head.weight") return null;
  const m = /^layers\.(\d+)\.(.+)$/.exec(name);
  const mapped = m ? LAYER_TENSORS[m[2]] : undefined;
  if (!m || !mapped) throw new CareError(`tensor "${hfName}" has no place in a qwen GGUF`, file);
  return `blk.${m[1]}.${mapped}`;
}

/** The row-major shape llama.cpp expects of each tensor, from the config; undefined for unknown names. */
export function expectedShape(ggufName: string, h: QwenHparams): number[] | undefined {
  const hd = h.headDim ?? h.hidden / h.heads;
  const q = h.heads * hd;
  const kv = h.kvHeads * hd;
  if (ggufName === "token_embd.weight") return [h.vocabSize, h.hidden];
  if (ggufName === "output_norm.weight") return [h.hidden];
  const part = ggufName.replace(/^blk\.\d+\./, "");
  const shapes: Record<string, number[]> = {
    "attn_norm.weight": [h.hidden],
    "ffn_norm.weight": [h.hidden],
    "attn_q.weight": [q, h.hidden],
    "attn_k.weight": [kv, h.hidden],
    "attn_v.weight": [kv, h.hidden],
    "attn_output.weight": [h.hidden, q],
    "attn_q.bias": [q],
    "attn_k.bias": [kv],
    "attn_v.bias": [kv],
    "attn_q_norm.weight": [hd],
    "attn_k_norm.weight": [hd],
    "ffn_gate.weight": [h.ffn, h.hidden],
    "ffn_up.weight": [h.ffn, h.hidden],
    "ffn_down.weight": [h.hidden, h.ffn],
  };
  return shapes[part];
}

/** Every tensor llama.cpp's graph for this architecture loads. */
export function requiredTensors(h: QwenHparams): string[] {
  const perLayer = [
    "attn_norm",
    "ffn_norm",
    "attn_q",
    "attn_k",
    "attn_v",
    "attn_output",
    "ffn_gate",
    "ffn_up",
    "ffn_down",
  ];
  const extra =
    h.arch === "qwen3"
      ? ["attn_q_norm.weight", "attn_k_norm.weight"]
      : ["attn_q.bias", "attn_k.bias", "attn_v.bias"];
  const names = ["token_embd.weight", "output_norm.weight"];
  for (let l = 0; l < h.layers; l++)
    names.push(...[...perLayer.map((p) => `${p}.weight`), ...extra].map((p) => `blk.${l}.${p}`));
  return names;
}
