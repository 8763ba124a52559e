/**
 * BERT encoder forward pass (transformers' modeling_bert.BertModel, eval mode, absolute positions,
 * post-LN; modeling_roberta / modeling_xlm_roberta's position numbering), as plain loops. Returns last_hidden_state [batch][seq][hidden].
 */
import type { TensorSource } from "../../src/weights/source.js";
import {
  activation,
  add,
  attend,
  heads,
  layerNorm,
  linear,
  num,
  row,
  toFloat32,
  Weights,
  type Config,
} from "./ops.js";

export function bertForward(
  config: Config,
  src: TensorSource,
  ids: number[][],
  mask: number[][],
): Float32Array[][] {
  const w = new Weights(src, "embeddings.word_embeddings.weight", ["bert.", "roberta.", "model."]);
  const roberta = config.model_type === "roberta" || config.model_type === "xlm-roberta";
  const padIdx = num(config, "pad_token_id", 1);
  const H = num(config, "hidden_size");
  const nHeads = num(config, "num_attention_heads");
  const headDim = H / nHeads;
  const layers = num(config, "num_hidden_layers");
  const eps = num(config, "layer_norm_eps", 1e-12);
  const act = activation(String(config.hidden_act ?? "gelu"));
  const word = w.get("embeddings.word_embeddings.weight");
  const pos = w.get("embeddings.position_embeddings.weight");
  const type = w.has("embeddings.token_type_embeddings.weight")
    ? w.get("embeddings.token_type_embeddings.weight")
    : undefined;

  return toFloat32(
    ids.map((seq, b) => {
      // BERT's default position_ids are arange(seq) and token_type_ids zeros, whatever the padding;
      // RoBERTa / XLM-R (create_position_ids_from_input_ids) number the non-pad tokens from
      // padding_idx + 1 and give pad tokens padding_idx.
      let real = 0;
      const positions = seq.map((id, p) => {
        if (!roberta) return p;
        return id === padIdx ? padIdx : padIdx + ++real;
      });
      let x = seq.map((id, p) => {
        let e = add(row(word, H, id), row(pos, H, positions[p]));
        if (type) e = add(e, row(type, H, 0));
        return layerNorm(e, w.get("embeddings.LayerNorm.weight"), w.get("embeddings.LayerNorm.bias"), eps);
      });
      for (let l = 0; l < layers; l++) {
        const p = `encoder.layer.${l}.`;
        const lin = (name: string, v: Float64Array) =>
          linear(v, w.get(p + name + ".weight"), w.get(p + name + ".bias"));
        const q = x.map((t) => heads(lin("attention.self.query", t), nHeads, headDim));
        const k = x.map((t) => heads(lin("attention.self.key", t), nHeads, headDim));
        const v = x.map((t) => heads(lin("attention.self.value", t), nHeads, headDim));
        const ctx = x.map(() => new Float64Array(H));
        for (let h = 0; h < nHeads; h++) {
          const o = attend(
            q.map((t) => t[h]),
            k.map((t) => t[h]),
            v.map((t) => t[h]),
            (_i, j) => mask[b][j] === 1,
            1 / Math.sqrt(headDim),
          );
          o.forEach((vec, i) => ctx[i].set(vec, h * headDim));
        }
        x = x.map((t, i) => {
          const a = layerNorm(
            add(lin("attention.output.dense", ctx[i]), t),
            w.get(p + "attention.output.LayerNorm.weight"),
            w.get(p + "attention.output.LayerNorm.bias"),
            eps,
          );
          const inter = lin("intermediate.dense", a).map(act);
          return layerNorm(
            add(lin("output.dense", inter), a),
            w.get(p + "output.LayerNorm.weight"),
            w.get(p + "output.LayerNorm.bias"),
            eps,
          );
        });
      }
      return x;
    }),
  );
}
