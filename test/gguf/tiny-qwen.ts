/**
 * A tiny random Qwen3 checkpoint for the writer's tests, with what `models make-tiny` does not produce:
 * a config vocab_size padded past the tokenizer (as real Qwen checkpoints have), a post-processor that
 * appends end-of-text (as Qwen3-Embedding's), multi-character merges, and a head_dim other than
 * hidden / heads. Weights stay in memory as a TensorSource.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MapTensorSource } from "../../src/weights/source.js";
import { QWEN2_SPLIT_REGEX } from "../../src/gguf/vocab.js";
import { bytesToUnicode } from "../../src/tokenize/build.js";
import { rng as mulberry32 } from "../../src/util/rng.js";

export interface TinyQwen {
  dir: string;
  config: Record<string, unknown>;
  weights: MapTensorSource;
}

export const WORDS = [
  "糖尿病",
  "高血压",
  "患者",
  "治疗",
  "医生",
  "头痛",
  "发热",
  "咳嗽",
  " the",
  " patient",
  " fever",
];

function tokenizerJson(): { json: object; size: number } {
  const b2u = bytesToUnicode();
  const vocab: Record<string, number> = {};
  const merges: [string, string][] = [];
  b2u.forEach((c, i) => (vocab[c] = i));
  const add = (a: string, b: string) => {
    if (vocab[a + b] !== undefined) return;
    merges.push([a, b]);
    vocab[a + b] = Object.keys(vocab).length;
  };
  // Left-to-right merges build each character, then each word, out of its UTF-8 bytes.
  for (const word of WORDS) {
    let acc = "";
    for (const ch of word) {
      const bytes = [...Buffer.from(ch, "utf8")].map((x) => b2u[x]);
      let piece = bytes[0];
      for (const nx of bytes.slice(1)) {
        add(piece, nx);
        piece += nx;
      }
      if (acc) add(acc, piece);
      acc += piece;
    }
  }
  const base = Object.keys(vocab).length;
  const added = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"].map((content, i) => ({
    id: base + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: { type: "NFC" },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "<|endoftext|>", type_id: 0 } }],
      pair: [
        { Sequence: { id: "A", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "<|endoftext|>", type_id: 1 } },
      ],
      special_tokens: { "<|endoftext|>": { id: "<|endoftext|>", ids: [base], tokens: ["<|endoftext|>"] } },
    },
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  return { json, size: base + added.length };
}

export function makeTinyQwen(dir: string, seed = 7): TinyQwen {
  mkdirSync(dir, { recursive: true });
  const tok = tokenizerJson();
  // Padded past the tokenizer as real Qwen checkpoints are, so "[PADn]" tokens get written.
  const vocabSize = Math.ceil((tok.size + 1) / 8) * 8;
  const config = {
    architectures: ["Qwen3Model"],
    model_type: "qwen3",
    hidden_size: 64,
    intermediate_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 32,
    max_position_embeddings: 512,
    rope_theta: 1000000,
    rms_norm_eps: 1e-6,
    hidden_act: "silu",
    attention_bias: false,
    tie_word_embeddings: true,
    vocab_size: vocabSize,
    torch_dtype: "float32",
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tok.json));
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify({
      eos_token: "<|im_end|>",
      pad_token: "<|endoftext|>",
      bos_token: null,
      model_max_length: 300,
    }),
  );

  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const put = (name: string, shape: number[], scale: number, centre = 0) =>
    tensors.set(name, {
      shape,
      data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => centre + scale * normal()),
    });
  const H = config.hidden_size;
  const hd = config.head_dim;
  const q = config.num_attention_heads * hd;
  const kv = config.num_key_value_heads * hd;
  const F = config.intermediate_size;
  put("model.embed_tokens.weight", [vocabSize, H], 0.5);
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `model.layers.${l}.`;
    put(p + "input_layernorm.weight", [H], 0.1, 1);
    put(p + "post_attention_layernorm.weight", [H], 0.1, 1);
    put(p + "self_attn.q_proj.weight", [q, H], 0.15);
    put(p + "self_attn.k_proj.weight", [kv, H], 0.15);
    put(p + "self_attn.v_proj.weight", [kv, H], 0.15);
    put(p + "self_attn.o_proj.weight", [H, q], 0.1);
    put(p + "self_attn.q_norm.weight", [hd], 0.1, 1);
    put(p + "self_attn.k_norm.weight", [hd], 0.1, 1);
    put(p + "mlp.gate_proj.weight", [F, H], 0.15);
    put(p + "mlp.up_proj.weight", [F, H], 0.15);
    put(p + "mlp.down_proj.weight", [H, F], 0.1);
  }
  put("model.norm.weight", [H], 0.1, 1);
  return { dir, config, weights: new MapTensorSource(tensors) };
}
