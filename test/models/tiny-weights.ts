/**
 * In-memory random checkpoints with HF tensor names, for tests that must not depend on files.
 * Values are seeded so failures reproduce.
 */
import { MapTensorSource } from "../../src/weights/source.js";
import { rng } from "../../src/util/rng.js";

export class TinyWeights {
  readonly tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  private readonly next: () => number;
  constructor(
    seed: number,
    private readonly linearScale = 0.2,
  ) {
    this.next = rng(seed);
  }
  /** Uniform in [center - scale, center + scale]. */
  add(name: string, shape: number[], scale = 0.2, center = 0): this {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = center + (this.next() * 2 - 1) * scale;
    this.tensors.set(name, { shape, data });
    return this;
  }
  /** Linear weights; `scale` 0.035 gives the std 0.02 of HF's initializer_range (real checkpoints). */
  linear(name: string, out: number, inp: number, bias = true, scale = this.linearScale): this {
    this.add(`${name}.weight`, [out, inp], scale);
    if (bias) this.add(`${name}.bias`, [out], 0.1);
    return this;
  }
  norm(name: string, width: number, bias = true): this {
    this.add(`${name}.weight`, [width], 0.1, 1);
    if (bias) this.add(`${name}.bias`, [width], 0.1);
    return this;
  }
  source(): MapTensorSource {
    return new MapTensorSource(this.tensors);
  }
}

export const tinyBertConfig = {
  model_type: "bert",
  hidden_size: 16,
  num_attention_heads: 4,
  num_hidden_layers: 2,
  intermediate_size: 24,
  vocab_size: 40,
  max_position_embeddings: 32,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_act: "gelu",
};

export function tinyBert(config = tinyBertConfig, seed = 1, prefix = "", linearScale = 0.2): MapTensorSource {
  const H = config.hidden_size;
  const w = new TinyWeights(seed, linearScale)
    .add(`${prefix}embeddings.word_embeddings.weight`, [config.vocab_size, H], 1)
    .add(`${prefix}embeddings.position_embeddings.weight`, [config.max_position_embeddings, H], 1)
    .add(`${prefix}embeddings.token_type_embeddings.weight`, [config.type_vocab_size, H], 1)
    .norm(`${prefix}embeddings.LayerNorm`, H);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `${prefix}encoder.layer.${i}.`;
    w.linear(`${p}attention.self.query`, H, H)
      .linear(`${p}attention.self.key`, H, H)
      .linear(`${p}attention.self.value`, H, H)
      .linear(`${p}attention.output.dense`, H, H)
      .norm(`${p}attention.output.LayerNorm`, H)
      .linear(`${p}intermediate.dense`, config.intermediate_size, H)
      .linear(`${p}output.dense`, H, config.intermediate_size)
      .norm(`${p}output.LayerNorm`, H);
  }
  return w.source();
}

export const tinyQwen3Config = {
  model_type: "qwen3",
  hidden_size: 16,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 8,
  num_hidden_layers: 2,
  intermediate_size: 24,
  vocab_size: 40,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  hidden_act: "silu",
};

export function tinyQwen(config: typeof tinyQwen3Config, seed = 2, prefix = "model."): MapTensorSource {
  const H = config.hidden_size;
  const d = config.head_dim;
  const qwen3 = config.model_type === "qwen3";
  const w = new TinyWeights(seed).add(`${prefix}embed_tokens.weight`, [config.vocab_size, H], 1);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `${prefix}layers.${i}.`;
    w.norm(`${p}input_layernorm`, H, false)
      .linear(`${p}self_attn.q_proj`, config.num_attention_heads * d, H, !qwen3)
      .linear(`${p}self_attn.k_proj`, config.num_key_value_heads * d, H, !qwen3)
      .linear(`${p}self_attn.v_proj`, config.num_key_value_heads * d, H, !qwen3)
      .linear(`${p}self_attn.o_proj`, H, config.num_attention_heads * d, false)
      .norm(`${p}post_attention_layernorm`, H, false)
      .linear(`${p}mlp.gate_proj`, config.intermediate_size, H, false)
      .linear(`${p}mlp.up_proj`, config.intermediate_size, H, false)
      .linear(`${p}mlp.down_proj`, H, config.intermediate_size, false);
    if (qwen3) w.norm(`${p}self_attn.q_norm`, d, false).norm(`${p}self_attn.k_norm`, d, false);
  }
  return w.norm(`${prefix}norm`, H, false).source();
}

export const tinyGteConfig = {
  model_type: "new",
  hidden_size: 16,
  num_attention_heads: 4,
  num_hidden_layers: 2,
  intermediate_size: 24,
  vocab_size: 40,
  max_position_embeddings: 64,
  type_vocab_size: 1,
  layer_norm_eps: 1e-12,
  hidden_act: "gelu",
  position_embedding_type: "rope",
  rope_theta: 160000,
  rope_scaling: { type: "ntk", factor: 8.0 } as Record<string, unknown> | null,
  pack_qkv: true,
  layer_norm_type: "layer_norm",
};

export function tinyGte(config = tinyGteConfig, seed = 3): MapTensorSource {
  const H = config.hidden_size;
  const w = new TinyWeights(seed)
    .add("embeddings.word_embeddings.weight", [config.vocab_size, H], 1)
    .add("embeddings.token_type_embeddings.weight", [config.type_vocab_size, H], 1)
    .norm("embeddings.LayerNorm", H);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}.`;
    w.linear(`${p}attention.qkv_proj`, 3 * H, H)
      .linear(`${p}attention.o_proj`, H, H)
      .norm(`${p}attn_ln`, H)
      .linear(`${p}mlp.up_gate_proj`, 2 * config.intermediate_size, H, false)
      .linear(`${p}mlp.down_proj`, H, config.intermediate_size)
      .norm(`${p}mlp_ln`, H);
  }
  return w.source();
}
