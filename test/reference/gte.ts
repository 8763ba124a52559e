/**
 * The gte "new" encoder (Alibaba-NLP/new-impl modeling.py, NewModel, eval mode, padded path) as plain
 * loops: token (+ token type) embeddings and LayerNorm, rotary positions (optionally NTK-scaled),
 * fused qkv_proj, post-LN layers (attn_ln, mlp_ln) with a gated MLP (up_gate_proj split into up | gate,
 * act(gate) * up), optional log-n attention scaling. Returns last_hidden_state [batch][seq][hidden].
 */
import type { TensorSource } from "../../src/weights/source.js";
import {
  activation,
  add,
  applyRope,
  attend,
  heads,
  layerNorm,
  linear,
  num,
  rmsNorm,
  row,
  ropeInvFreq,
  toFloat32,
  Weights,
  type Config,
} from "./ops.js";

/**
 * new-impl's NTKScalingRotaryEmbedding always extends its cache to max_position_embeddings * factor,
 * which is past max_position_embeddings, so the scaled frequencies apply at every length.
 */
export function gteInvFreq(config: Config): Float64Array {
  const H = num(config, "hidden_size");
  const dim = H / num(config, "num_attention_heads");
  const theta = num(config, "rope_theta", 10000);
  const scaling = config.rope_scaling as
    { type?: string; factor?: number; mixed_b?: number } | null | undefined;
  if (!scaling) return ropeInvFreq(dim, theta);
  if (scaling.type !== "ntk") throw new Error(`reference: rope_scaling ${scaling.type} not supported`);
  const factor = scaling.factor ?? 1;
  const mixedB = scaling.mixed_b;
  if (mixedB === undefined || mixedB === null) {
    const base = ropeInvFreq(dim, theta * factor);
    return base.map((f) => f / Math.pow(factor, 2 / dim));
  }
  const a = Math.log(factor) / Math.pow(dim / 2, mixedB);
  return ropeInvFreq(dim, theta).map((f, i) => f / Math.exp(a * Math.pow(i + 1, mixedB)));
}

export function gteForward(
  config: Config,
  src: TensorSource,
  ids: number[][],
  mask: number[][],
): Float32Array[][] {
  const w = new Weights(src, "embeddings.word_embeddings.weight", ["new.", "model."]);
  const H = num(config, "hidden_size");
  const nHeads = num(config, "num_attention_heads");
  const headDim = H / nHeads;
  const layers = num(config, "num_hidden_layers");
  const inter = num(config, "intermediate_size");
  const eps = num(config, "layer_norm_eps", 1e-12);
  const act = activation(String(config.hidden_act ?? "gelu"));
  const rope = (config.position_embedding_type ?? "rope") === "rope";
  const invFreq = gteInvFreq(config);
  const rms = config.layer_norm_type === "rms_norm";
  const norm = (x: Float64Array, name: string) =>
    rms
      ? rmsNorm(x, w.get(name + ".weight"), eps)
      : layerNorm(x, w.get(name + ".weight"), w.get(name + ".bias"), eps);
  const word = w.get("embeddings.word_embeddings.weight");
  const type =
    num(config, "type_vocab_size", 0) > 0 ? w.get("embeddings.token_type_embeddings.weight") : undefined;
  const pos = rope ? undefined : w.get("embeddings.position_embeddings.weight");
  const maxPos = num(config, "max_position_embeddings", 512);

  return toFloat32(
    ids.map((seq, b) => {
      const len = mask[b].reduce((s, m) => s + m, 0);
      let qScale = 1;
      if (config.logn_attention_scale === true) {
        qScale = Math.log(len) / Math.log(maxPos);
        if (config.logn_attention_clip1 === true) qScale = Math.max(qScale, 1);
      }
      let x = seq.map((id, p) => {
        let e = row(word, H, id);
        if (type) e = add(e, row(type, H, 0));
        if (pos) e = add(e, row(pos, H, p));
        // The embedding LayerNorm is always a LayerNorm, whatever layer_norm_type says.
        return layerNorm(e, w.get("embeddings.LayerNorm.weight"), w.get("embeddings.LayerNorm.bias"), eps);
      });
      for (let l = 0; l < layers; l++) {
        const p = `encoder.layer.${l}.`;
        const qkv = x.map((t) =>
          linear(t, w.get(p + "attention.qkv_proj.weight"), w.get(p + "attention.qkv_proj.bias")),
        );
        const part = (k: number, pos: number, v: Float64Array) =>
          heads(v.slice(k * H, (k + 1) * H), nHeads, headDim).map((hv) =>
            k < 2 && rope ? applyRope(hv, pos, invFreq) : hv,
          );
        const q = qkv.map((t, i) => part(0, i, t).map((hv) => hv.map((z) => z * qScale)));
        const k = qkv.map((t, i) => part(1, i, t));
        const v = qkv.map((t, i) => part(2, i, t));
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
          const attnOut = linear(
            ctx[i],
            w.get(p + "attention.o_proj.weight"),
            w.get(p + "attention.o_proj.bias"),
          );
          const a = norm(add(t, attnOut), p + "attn_ln");
          const upGate = linear(a, w.get(p + "mlp.up_gate_proj.weight"));
          const gated = new Float64Array(inter);
          for (let j = 0; j < inter; j++) gated[j] = act(upGate[inter + j]) * upGate[j];
          const down = linear(gated, w.get(p + "mlp.down_proj.weight"), w.get(p + "mlp.down_proj.bias"));
          return norm(add(a, down), p + "mlp_ln");
        });
      }
      return x;
    }),
  );
}
