/**
 * Qwen2 / Qwen3 decoder forward pass (transformers' modeling_qwen2 / modeling_qwen3 base model, eval
 * mode) as plain loops: RMSNorm pre-norm, rotary positions, grouped-query attention, SwiGLU, q/k/v
 * biases (Qwen2, or Qwen3 with attention_bias), per-head q/k RMSNorm (Qwen3), causal + padding mask.
 * Returns the final-norm hidden states [batch][seq][hidden].
 */
import type { TensorSource } from "../../src/weights/source.js";
import {
  activation,
  add,
  applyRope,
  attend,
  heads,
  linear,
  num,
  rmsNorm,
  row,
  ropeInvFreq,
  toFloat32,
  Weights,
  type Config,
} from "./ops.js";

export function qwenForward(
  config: Config,
  src: TensorSource,
  ids: number[][],
  mask: number[][],
): Float32Array[][] {
  const qwen3 = config.model_type === "qwen3";
  const w = new Weights(src, "embed_tokens.weight", ["model."]);
  const H = num(config, "hidden_size");
  const nHeads = num(config, "num_attention_heads");
  const nKv = num(config, "num_key_value_heads", nHeads);
  const headDim = num(config, "head_dim", H / nHeads);
  const layers = num(config, "num_hidden_layers");
  const eps = num(config, "rms_norm_eps", 1e-6);
  const invFreq = ropeInvFreq(headDim, num(config, "rope_theta", 10000));
  const act = activation(String(config.hidden_act ?? "silu"));
  const bias = qwen3 ? config.attention_bias === true : true;
  const embed = w.get("embed_tokens.weight");
  const group = nHeads / nKv;
  // gte-Qwen2's modeling_qwen.py attends both ways; the config says so with is_causal: false.
  const causal = config.is_causal !== false;

  return toFloat32(
    ids.map((seq, b) => {
      let x = seq.map((id) => row(embed, H, id));
      for (let l = 0; l < layers; l++) {
        const p = `layers.${l}.`;
        const lin = (name: string, v: Float64Array, withBias: boolean) =>
          linear(v, w.get(p + name + ".weight"), withBias ? w.get(p + name + ".bias") : undefined);
        const normed = x.map((t) => rmsNorm(t, w.get(p + "input_layernorm.weight"), eps));
        // HF's position_ids default to arange(seq) even with left padding; rotary attention depends
        // only on relative positions, so the shift the padding introduces cancels.
        const project = (name: string, count: number, norm?: string) =>
          normed.map((t, pos) =>
            heads(lin(`self_attn.${name}`, t, bias), count, headDim).map((hv) => {
              const n = norm && qwen3 ? rmsNorm(hv, w.get(p + `self_attn.${norm}.weight`), eps) : hv;
              return name === "v_proj" ? n : applyRope(n, pos, invFreq);
            }),
          );
        const q = project("q_proj", nHeads, "q_norm");
        const k = project("k_proj", nKv, "k_norm");
        const v = project("v_proj", nKv);
        const ctx = x.map(() => new Float64Array(nHeads * headDim));
        for (let h = 0; h < nHeads; h++) {
          const kvh = Math.floor(h / group);
          const o = attend(
            q.map((t) => t[h]),
            k.map((t) => t[kvh]),
            v.map((t) => t[kvh]),
            (i, j) => (!causal || j <= i) && mask[b][j] === 1,
            1 / Math.sqrt(headDim),
          );
          o.forEach((vec, i) => ctx[i].set(vec, h * headDim));
        }
        x = x.map((t, i) => {
          const a = add(t, lin("self_attn.o_proj", ctx[i], false));
          const n = rmsNorm(a, w.get(p + "post_attention_layernorm.weight"), eps);
          const gate = lin("mlp.gate_proj", n, false);
          const up = lin("mlp.up_proj", n, false);
          const hMid = gate.map((g, j) => act(g) * up[j]);
          return add(a, lin("mlp.down_proj", hMid, false));
        });
      }
      return x.map((t) => rmsNorm(t, w.get("norm.weight"), eps));
    }),
  );
}
