/**
 * The Qwen2/Qwen3 decoder family (Qwen3-Embedding, CARE document encoders): RMSNorm, rotary
 * positions, grouped-query attention, SwiGLU; Qwen2's q/k/v biases; Qwen3's per-head q/k RMSNorm.
 * A causal mask combined with the padding mask (bidirectional for gte-Qwen2, see isCausal);
 * positions count real tokens, so left and right padding encode a text identically.
 */
import type { Value } from "../graph/ir.js";
import { rmsNorm, silu } from "../graph/nn.js";
import { add, gather, mul } from "../graph/ops.js";
import type { BodyOptions, FamilyBody } from "./body.js";
import type { GraphWeights } from "./graph-weights.js";
import type { ConfigReader } from "./config.js";
import { projectEach } from "./fused.js";
import {
  applyRotary,
  attention,
  causalBias,
  paddingBias,
  positionsFromMask,
  ropeInvFreq,
  rotaryTables,
  splitHeads,
} from "./layers.js";

function checkRopeScaling(cfg: ConfigReader): void {
  const scaling = cfg.config["rope_scaling"] as Record<string, unknown> | null | undefined;
  if (!scaling) return;
  const type = scaling["rope_type"] ?? scaling["type"];
  if (type !== "default") {
    throw cfg.error(
      `field "rope_scaling" type ${JSON.stringify(type)} is not supported (only the default rotary)`,
    );
  }
}

/**
 * Whether attention is causal. config.json's `is_causal` decides where present. Otherwise a checkpoint
 * whose auto_map loads `modeling_qwen.Qwen2Model` (gte-Qwen2-instruct, stella: remote code that builds
 * a bidirectional mask, as their model cards say; also how text-embeddings-inference recognises them)
 * attends both ways, and every other Qwen2/Qwen3 checkpoint is causal.
 */
export function isCausal(cfg: ConfigReader): boolean {
  if (cfg.has("is_causal")) return cfg.bool("is_causal", true);
  const autoMap = cfg.config["auto_map"] as Record<string, unknown> | undefined;
  const model = autoMap && typeof autoMap === "object" ? autoMap["AutoModel"] : undefined;
  // Saved copies prefix the class with the repository they came from: "<org>/<name>--modeling_qwen.…".
  return !(typeof model === "string" && /(^|--)modeling_qwen\.Qwen2Model$/.test(model));
}

export const qwenFamily: FamilyBody = {
  prefixes: () => ["model."],
  anchor: "embed_tokens.weight",
  build(cfg: ConfigReader, ck: GraphWeights, ids: Value, mask: Value, options: BodyOptions): Value {
    const qwen3 = cfg.string("model_type") === "qwen3";
    const H = cfg.int("hidden_size");
    const heads = cfg.int("num_attention_heads");
    const kvHeads = cfg.int("num_key_value_heads", heads);
    const headDim = cfg.int("head_dim", H / heads);
    const layers = cfg.int("num_hidden_layers");
    const inter = cfg.int("intermediate_size");
    const vocab = cfg.int("vocab_size");
    const eps = cfg.number("rms_norm_eps", 1e-6);
    const theta = cfg.number("rope_theta", 10000);
    const act = cfg.string("hidden_act", "silu");
    if (act !== "silu") throw cfg.error(`field "hidden_act" is "${act}"; the Qwen family supports "silu"`);
    if (heads % kvHeads !== 0) {
      throw cfg.error(`num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
    }
    checkRopeScaling(cfg);
    if (cfg.bool("use_sliding_window", false)) {
      throw cfg.error(`field "use_sliding_window": true is not supported (full attention only)`);
    }
    // Qwen2 always has q/k/v biases; Qwen3 has none unless attention_bias (then o_proj too).
    const qkvBias = qwen3 ? cfg.bool("attention_bias", false) : true;
    const oBias = qwen3 ? cfg.bool("attention_bias", false) : false;
    const dtype = ck.dtype;

    const rot = rotaryTables(positionsFromMask(mask), ropeInvFreq(theta, headDim), dtype);
    const bias = isCausal(cfg) ? causalBias(mask, dtype) : paddingBias(mask, dtype);
    let h = gather(ck.tensor("embed_tokens.weight", [vocab, H]), ids);
    for (let i = 0; i < layers; i++) {
      const p = `layers.${i}.`;
      const x = rmsNorm(h, ck.tensor(`${p}input_layernorm.weight`, [H]), eps);
      const widths = [heads * headDim, kvHeads * headDim, kvHeads * headDim];
      const names = ["q", "k", "v"].map((n) => `${p}self_attn.${n}_proj`);
      let [q, k, v] = projectEach(ck, x, names, widths, H, qkvBias, options.fused);
      q = splitHeads(q, heads, headDim);
      k = splitHeads(k, kvHeads, headDim);
      v = splitHeads(v, kvHeads, headDim);
      if (qwen3) {
        q = rmsNorm(q, ck.tensor(`${p}self_attn.q_norm.weight`, [headDim]), eps);
        k = rmsNorm(k, ck.tensor(`${p}self_attn.k_norm.weight`, [headDim]), eps);
      }
      q = applyRotary(q, rot, headDim);
      k = applyRotary(k, rot, headDim);
      const ctx = attention(q, k, v, bias, { heads, kvHeads, headDim });
      h = add(h, ck.linear(ctx, `${p}self_attn.o_proj`, H, heads * headDim, oBias));
      const y = rmsNorm(h, ck.tensor(`${p}post_attention_layernorm.weight`, [H]), eps);
      const mlp = [`${p}mlp.gate_proj`, `${p}mlp.up_proj`];
      const [gate, up] = projectEach(ck, y, mlp, [inter, inter], H, false, options.fused);
      h = add(h, ck.linear(mul(silu(gate), up), `${p}mlp.down_proj`, H, inter, false));
    }
    return rmsNorm(h, ck.tensor("norm.weight", [H]), eps);
  },
};
