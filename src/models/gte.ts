/**
 * The gte "new" family (model_type "new", Alibaba-NLP/new-impl as used by gte-multilingual-base):
 * a post-LN BERT-style encoder with rotary positions (optionally NTK-scaled), a fused qkv_proj and a
 * gated GELU MLP (up_gate_proj split into up then gate). Weight names follow new-impl's modeling.py.
 */
import type { Value } from "../graph/ir.js";
import { gelu, layerNorm, rmsNorm } from "../graph/nn.js";
import { multiHeadAttention } from "../graph/contrib.js";
import { add, cast, gather, mul, reshape, slice } from "../graph/ops.js";
import type { BodyOptions, FamilyBody } from "./body.js";
import type { GraphWeights } from "./graph-weights.js";
import type { ConfigReader } from "./config.js";
import { denseAddNorm, projectEach } from "./fused.js";
import {
  MASKED,
  applyRotary,
  attention,
  paddingBias,
  positionsFromMask,
  ropeInvFreq,
  rotaryTables,
  splitHeads,
} from "./layers.js";

/** new-impl's NTKScalingRotaryEmbedding: the frequencies it ends up using once its cache is built. */
export function gteInvFreq(cfg: ConfigReader, dim: number): number[] {
  const theta = cfg.number("rope_theta", 10000);
  const scaling = cfg.config["rope_scaling"] as Record<string, unknown> | null | undefined;
  if (!scaling) return ropeInvFreq(theta, dim);
  const type = scaling["type"];
  if (type !== "ntk")
    throw cfg.error(`field "rope_scaling" type ${JSON.stringify(type)} is not supported (only "ntk")`);
  const factor = Number(scaling["factor"]);
  if (!Number.isFinite(factor)) throw cfg.error(`field "rope_scaling.factor" must be a number`);
  // The scaled cache replaces the plain one only when it is longer, i.e. factor > 1.
  if (factor <= 1) return ropeInvFreq(theta, dim);
  const mixedB = scaling["mixed_b"];
  if (mixedB === undefined || mixedB === null) {
    return ropeInvFreq(theta * factor, dim).map((f) => f / Math.pow(factor, 2 / dim));
  }
  const b = Number(mixedB);
  const a = Math.log(factor) / Math.pow(dim / 2, b);
  return ropeInvFreq(theta, dim).map((f, i) => f / Math.exp(a * Math.pow(i + 1, b)));
}

export const gteFamily: FamilyBody = {
  prefixes: () => ["new."],
  anchor: "embeddings.word_embeddings.weight",
  build(cfg: ConfigReader, ck: GraphWeights, ids: Value, mask: Value, options: BodyOptions): Value {
    const H = cfg.int("hidden_size");
    const heads = cfg.int("num_attention_heads");
    const layers = cfg.int("num_hidden_layers");
    const inter = cfg.int("intermediate_size");
    const vocab = cfg.int("vocab_size");
    const eps = cfg.number("layer_norm_eps", 1e-12);
    const types = cfg.number("type_vocab_size", 0);
    const act = cfg.string("hidden_act", "gelu");
    if (act !== "gelu") throw cfg.error(`field "hidden_act" is "${act}"; the gte family supports "gelu"`);
    const posType = cfg.string("position_embedding_type", "rope");
    if (posType !== "rope")
      throw cfg.error(`field "position_embedding_type" is "${posType}"; supported: "rope"`);
    if (cfg.bool("logn_attention_scale", false))
      throw cfg.error(`field "logn_attention_scale": true is not supported`);
    const normType = cfg.string("layer_norm_type", "layer_norm");
    if (normType !== "layer_norm" && normType !== "rms_norm") {
      throw cfg.error(`field "layer_norm_type" is "${normType}"; supported: "layer_norm", "rms_norm"`);
    }
    const packed = cfg.bool("pack_qkv", true);
    if (H % heads !== 0) throw cfg.error(`hidden_size ${H} is not divisible by num_attention_heads ${heads}`);
    const headDim = H / heads;
    const g = ids.graph;

    const norm = (x: Value, name: string): Value =>
      normType === "rms_norm"
        ? rmsNorm(x, ck.tensor(`${name}.weight`, [H]), eps)
        : layerNorm(x, ck.tensor(`${name}.weight`, [H]), ck.tensor(`${name}.bias`, [H]), eps);

    let e = gather(ck.tensor("embeddings.word_embeddings.weight", [vocab, H]), ids);
    if (types > 0) {
      const tt = ck.tensor("embeddings.token_type_embeddings.weight", [types, H]);
      e = add(e, gather(tt, g.scalar("int64", 0)));
    }
    let h = layerNorm(
      e,
      ck.tensor("embeddings.LayerNorm.weight", [H]),
      ck.tensor("embeddings.LayerNorm.bias", [H]),
      eps,
    );

    const rot = rotaryTables(positionsFromMask(mask), gteInvFreq(cfg, headDim), ck.dtype);
    const bias = paddingBias(mask, ck.dtype);
    // Fused graphs fold residual + LayerNorm into one kernel; RMSNorm variants keep the plain ops.
    const fuseNorm = options.fused && normType === "layer_norm";
    const mask32 = options.fused ? cast(mask, "int32") : null;
    const addNorm = (x: Value, name: string, inp: number, residual: Value, ln: string): Value =>
      fuseNorm
        ? denseAddNorm(
            ck,
            x,
            name,
            inp,
            residual,
            [ck.tensor(`${ln}.weight`, [H]), ck.tensor(`${ln}.bias`, [H])],
            eps,
          )
        : norm(add(residual, ck.linear(x, name, H, inp, true)), ln);
    for (let i = 0; i < layers; i++) {
      const p = `encoder.layer.${i}.`;
      // A packed checkpoint's qkv_proj is one Linear; separate q/k/v_proj are packed in fused graphs.
      const names = ["q", "k", "v"].map((n) => `${p}attention.${n}_proj`);
      const packedQkv = packed ? ck.linear(h, `${p}attention.qkv_proj`, 3 * H, H, true) : null;
      const [qp, kp, v] = packedQkv
        ? [0, 1, 2].map((j) => slice(packedQkv, [-1], [j * H], [(j + 1) * H]))
        : projectEach(ck, h, names, [H, H, H], H, true, options.fused);
      let q = applyRotary(splitHeads(qp, heads, headDim), rot, headDim);
      const k = applyRotary(splitHeads(kp, heads, headDim), rot, headDim);
      let ctx: Value;
      if (mask32) {
        // CLS pooling reads one row of the last layer: its query alone attends, and only it goes on.
        if (i === layers - 1 && options.firstTokenOnly) {
          q = slice(q, [1], [0], [1]);
          h = slice(h, [1], [0], [1]);
        }
        const merge = (x: Value): Value => reshape(x, [0, 0, H]);
        ctx = multiHeadAttention(merge(q), merge(k), v, heads, mask32, null, MASKED);
      } else {
        ctx = attention(q, k, splitHeads(v, heads, headDim), bias, { heads, kvHeads: heads, headDim });
      }
      h = addNorm(ctx, `${p}attention.o_proj`, H, h, `${p}attn_ln`);
      const upGate = ck.linear(h, `${p}mlp.up_gate_proj`, 2 * inter, H, false);
      const up = slice(upGate, [-1], [0], [inter]);
      const gate = slice(upGate, [-1], [inter], [2 * inter]);
      h = addNorm(mul(gelu(gate), up), `${p}mlp.down_proj`, inter, h, `${p}mlp_ln`);
    }
    return h;
  },
};
