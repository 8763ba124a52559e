/**
 * The BERT family (bert-base-chinese, bge-*-zh, RoBERTa-wwm-ext; RoBERTa proper; XLM-RoBERTa as in
 * bge-m3 and multilingual-e5): absolute position embeddings, token type 0, post-LN encoder layers
 * with exact (Erf) GELU.
 */
import type { Value } from "../graph/ir.js";
import { gelu, layerNorm } from "../graph/nn.js";
import { add, cast, gather, mul } from "../graph/ops.js";
import type { GraphWeights } from "./graph-weights.js";
import type { ConfigReader } from "./config.js";
import { attention, paddingBias, positionRange, positionsFromMask, splitHeads } from "./layers.js";
import { denseAddNorm, denseBiasGelu, firstTokenAttention, selfAttention } from "./fused.js";
import type { BodyOptions, FamilyBody } from "./body.js";
import { dropout } from "../graph/dropout.js";

/** RoBERTa-style checkpoints (roberta, xlm-roberta): positions start past padding_idx. */
function robertaPositions(cfg: ConfigReader): boolean {
  const type = cfg.string("model_type");
  return type === "roberta" || type === "xlm-roberta";
}

function norm(ck: GraphWeights, x: Value, name: string, width: number, eps: number): Value {
  return layerNorm(x, ck.tensor(`${name}.weight`, [width]), ck.tensor(`${name}.bias`, [width]), eps);
}

export const bertFamily: FamilyBody = {
  prefixes: (cfg) => (robertaPositions(cfg) ? ["roberta.", "bert."] : ["bert."]),
  anchor: "embeddings.word_embeddings.weight",
  build(cfg: ConfigReader, ck: GraphWeights, ids: Value, mask: Value, options: BodyOptions): Value {
    const H = cfg.int("hidden_size");
    const heads = cfg.int("num_attention_heads");
    const layers = cfg.int("num_hidden_layers");
    const inter = cfg.int("intermediate_size");
    const eps = cfg.number("layer_norm_eps", 1e-12);
    const vocab = cfg.int("vocab_size");
    const maxPos = cfg.int("max_position_embeddings");
    const types = cfg.int("type_vocab_size", 2);
    const act = cfg.string("hidden_act", "gelu");
    if (act !== "gelu") throw cfg.error(`field "hidden_act" is "${act}"; the BERT family supports "gelu"`);
    const posType = cfg.string("position_embedding_type", "absolute");
    if (posType !== "absolute") {
      throw cfg.error(`field "position_embedding_type" is "${posType}"; the BERT family supports "absolute"`);
    }
    if (H % heads !== 0) throw cfg.error(`hidden_size ${H} is not divisible by num_attention_heads ${heads}`);
    const headDim = H / heads;
    const g = ids.graph;
    const dtype = ck.dtype;

    // RoBERTa and XLM-R number real tokens from padding_idx + 1; BERT uses 0..seq-1.
    const positions = robertaPositions(cfg)
      ? add(
          mul(add(positionsFromMask(mask), g.scalar("int64", 1)), mask),
          g.scalar("int64", cfg.number("pad_token_id", 1)),
        )
      : positionRange(ids);
    const words = gather(ck.tensor("embeddings.word_embeddings.weight", [vocab, H]), ids);
    const pos = gather(ck.tensor("embeddings.position_embeddings.weight", [maxPos, H]), positions);
    const type0 = gather(
      ck.tensor("embeddings.token_type_embeddings.weight", [types, H]),
      g.scalar("int64", 0),
    );
    // Training graphs drop as BERT's config says; every site gets its own salt so masks differ.
    const seed = options.dropoutSeed;
    const hiddenP = seed ? cfg.number("hidden_dropout_prob", 0.1) : 0;
    const probsP = seed ? cfg.number("attention_probs_dropout_prob", 0.1) : 0;
    let salt = 0;
    const drop = (x: Value, p: number): Value => (seed && p > 0 ? dropout(x, p, seed, ++salt) : x);
    let h = drop(norm(ck, add(add(words, pos), type0), "embeddings.LayerNorm", H, eps), hiddenP);

    if (options.fused) {
      const mask32 = cast(mask, "int32");
      const ln = (name: string): [Value, Value] => [
        ck.tensor(`${name}.LayerNorm.weight`, [H]),
        ck.tensor(`${name}.LayerNorm.bias`, [H]),
      ];
      for (let i = 0; i < layers; i++) {
        const p = `encoder.layer.${i}.`;
        const qkv = ["query", "key", "value"].map((n) => `${p}attention.self.${n}`);
        let ctx: Value;
        if (i === layers - 1 && options.firstTokenOnly) {
          ({ ctx, first: h } = firstTokenAttention(ck, h, qkv, H, heads, mask32));
        } else ctx = selfAttention(ck, h, qkv, H, heads, mask32);
        h = denseAddNorm(ck, ctx, `${p}attention.output.dense`, H, h, ln(`${p}attention.output`), eps);
        const mid = denseBiasGelu(ck, h, `${p}intermediate.dense`, inter, H);
        h = denseAddNorm(ck, mid, `${p}output.dense`, inter, h, ln(`${p}output`), eps);
      }
      return h;
    }
    const bias = paddingBias(mask, dtype);
    for (let i = 0; i < layers; i++) {
      const p = `encoder.layer.${i}.`;
      const q = splitHeads(ck.linear(h, `${p}attention.self.query`, H, H, true), heads, headDim);
      const k = splitHeads(ck.linear(h, `${p}attention.self.key`, H, H, true), heads, headDim);
      const v = splitHeads(ck.linear(h, `${p}attention.self.value`, H, H, true), heads, headDim);
      const ctx = attention(q, k, v, bias, {
        heads,
        kvHeads: heads,
        headDim,
        probsDropout: probsP > 0 ? (x) => drop(x, probsP) : undefined,
      });
      const a = drop(ck.linear(ctx, `${p}attention.output.dense`, H, H, true), hiddenP);
      h = norm(ck, add(a, h), `${p}attention.output.LayerNorm`, H, eps);
      const mid = gelu(ck.linear(h, `${p}intermediate.dense`, inter, H, true));
      const o = drop(ck.linear(mid, `${p}output.dense`, H, inter, true), hiddenP);
      h = norm(ck, add(o, h), `${p}output.LayerNorm`, H, eps);
    }
    return h;
  },
};
