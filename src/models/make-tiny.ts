import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultCard, writeCard, type ModelCard } from "./card.js";
import {
  BERT_SPECIALS,
  byteLevelBpeTokenizer,
  cjkBlock,
  QWEN_EOS,
  unigramTokenizer,
  wordPieceTokenizer,
  XLMR_MASK,
  XLMR_SPECIALS,
} from "../tokenize/build.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import type { Family } from "./family.js";
import { Progress } from "../util/progress.js";
import { writeSafetensors, type WriteDtype } from "../weights/safetensors.js";
import { MapTensorSource } from "../weights/source.js";
import { rng } from "../util/rng.js";

/**
 * Random Hugging Face checkpoint folders: config.json with the family's real field names,
 * model.safetensors with seeded random weights, a tokenizer.json the real library loads, and a model
 * card. Tiny ones are what tests use; `shape` gives real-size ones for latency benchmarks (latency does
 * not depend on the values). Weights are scaled so activations stay near unit size at any depth, and
 * norms and biases are perturbed away from 1 and 0 so that a forward pass which drops one is caught.
 */

export type TinyFamily = "bert" | "xlm-roberta" | "gte" | "qwen2" | "qwen3";
export const TINY_FAMILIES: TinyFamily[] = ["bert", "xlm-roberta", "gte", "qwen2", "qwen3"];
export type TinyShape = "bert-base" | "qwen3-0.6b" | "qwen3-4b";
export const TINY_SHAPES: TinyShape[] = ["bert-base", "qwen3-0.6b", "qwen3-4b"];

export interface Dims {
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  maxPositions: number;
  /** Embedding rows; at least the tokenizer's vocabulary. */
  vocab?: number;
}

interface Preset {
  family: TinyFamily;
  dims: Dims;
  dtype: WriteDtype;
}

/** Real sizes: bert-base-chinese, Qwen3-Embedding-0.6B and -4B. */
const SHAPES: Record<TinyShape, Preset> = {
  "bert-base": {
    family: "bert",
    dtype: "F32",
    dims: {
      layers: 12,
      hidden: 768,
      heads: 12,
      kvHeads: 12,
      headDim: 64,
      intermediate: 3072,
      maxPositions: 512,
    },
  },
  "qwen3-0.6b": {
    family: "qwen3",
    dtype: "BF16",
    dims: {
      layers: 28,
      hidden: 1024,
      heads: 16,
      kvHeads: 8,
      headDim: 128,
      intermediate: 3072,
      maxPositions: 32768,
      vocab: 151669,
    },
  },
  "qwen3-4b": {
    family: "qwen3",
    dtype: "BF16",
    dims: {
      layers: 36,
      hidden: 2560,
      heads: 32,
      kvHeads: 8,
      headDim: 128,
      intermediate: 9728,
      maxPositions: 40960,
      vocab: 151665,
    },
  },
};

export interface MakeTinyOptions {
  out: string;
  family?: TinyFamily;
  shape?: TinyShape;
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  intermediate?: number;
  maxPositions?: number;
  /** Chinese characters the tokenizer covers as single tokens (default: the whole CJK Unified block). */
  chars?: string[];
  seed?: number;
  dtype?: WriteDtype;
  /** Progress on stderr (real-size shapes take a while). */
  progress?: boolean;
}

export function tinyDims(family: TinyFamily, o: Partial<MakeTinyOptions> = {}): Dims {
  const qwen = family.startsWith("qwen");
  const hidden = o.hidden ?? 32;
  const heads = o.heads ?? 4;
  if (hidden % heads !== 0) throw new CareError(`--hidden ${hidden} is not a multiple of --heads ${heads}`);
  const kvHeads = qwen ? (o.kvHeads ?? Math.max(1, heads / 2)) : heads;
  if (heads % kvHeads !== 0)
    throw new CareError(`--heads ${heads} is not a multiple of --kv-heads ${kvHeads}`);
  return {
    layers: o.layers ?? 2,
    hidden,
    heads,
    kvHeads,
    headDim: hidden / heads,
    intermediate: o.intermediate ?? 2 * hidden,
    maxPositions: o.maxPositions ?? (qwen ? 2048 : 512),
  };
}

export function encoderFamily(family: TinyFamily): Family {
  return family === "bert" || family === "xlm-roberta" ? "bert" : family === "gte" ? "gte" : "qwen";
}

/** config.json as the HF modeling code of each family reads it. */
export function tinyConfig(family: TinyFamily, d: Dims, vocab: number): Record<string, unknown> {
  switch (family) {
    case "bert":
      return {
        architectures: ["BertModel"],
        model_type: "bert",
        vocab_size: vocab,
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        intermediate_size: d.intermediate,
        hidden_act: "gelu",
        hidden_dropout_prob: 0.1,
        attention_probs_dropout_prob: 0.1,
        max_position_embeddings: d.maxPositions,
        type_vocab_size: 2,
        initializer_range: 0.02,
        layer_norm_eps: 1e-12,
        pad_token_id: 0,
        position_embedding_type: "absolute",
        torch_dtype: "float32",
      };
    case "xlm-roberta":
      // As bge-m3 / multilingual-e5: positions numbered from pad_token_id + 1, one token type.
      return {
        architectures: ["XLMRobertaModel"],
        model_type: "xlm-roberta",
        vocab_size: vocab,
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        intermediate_size: d.intermediate,
        hidden_act: "gelu",
        hidden_dropout_prob: 0.1,
        attention_probs_dropout_prob: 0.1,
        max_position_embeddings: d.maxPositions + 2,
        type_vocab_size: 1,
        initializer_range: 0.02,
        layer_norm_eps: 1e-5,
        bos_token_id: 0,
        pad_token_id: 1,
        eos_token_id: 2,
        position_embedding_type: "absolute",
        torch_dtype: "float32",
      };
    case "gte":
      // As gte-multilingual-base: rotary positions with NTK scaling, one token type, packed QKV.
      return {
        architectures: ["NewModel"],
        model_type: "new",
        vocab_size: vocab,
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        intermediate_size: d.intermediate,
        hidden_act: "gelu",
        hidden_dropout_prob: 0.1,
        attention_probs_dropout_prob: 0.0,
        max_position_embeddings: d.maxPositions,
        type_vocab_size: 1,
        initializer_range: 0.02,
        layer_norm_eps: 1e-12,
        layer_norm_type: "layer_norm",
        position_embedding_type: "rope",
        rope_theta: 160000,
        rope_scaling: { type: "ntk", factor: 8.0 },
        pack_qkv: true,
        unpad_inputs: false,
        use_memory_efficient_attention: false,
        logn_attention_scale: false,
        logn_attention_clip1: false,
        pad_token_id: 0,
        torch_dtype: "float32",
      };
    case "qwen2":
    case "qwen3": {
      const qwen3 = family === "qwen3";
      return {
        architectures: [qwen3 ? "Qwen3ForCausalLM" : "Qwen2ForCausalLM"],
        model_type: family,
        vocab_size: vocab,
        hidden_size: d.hidden,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        num_key_value_heads: d.kvHeads,
        ...(qwen3 ? { head_dim: d.headDim, attention_bias: false } : {}),
        intermediate_size: d.intermediate,
        hidden_act: "silu",
        max_position_embeddings: d.maxPositions,
        rms_norm_eps: 1e-6,
        rope_theta: 1000000,
        rope_scaling: null,
        attention_dropout: 0.0,
        initializer_range: 0.02,
        tie_word_embeddings: true,
        use_sliding_window: false,
        sliding_window: null,
        max_window_layers: d.layers,
        torch_dtype: "float32",
      };
    }
  }
}

export type Init = { kind: "normal"; std: number } | { kind: "around"; center: number; spread: number };

export interface TensorSpec {
  name: string;
  shape: number[];
  init: Init;
}

/** Every tensor of the family's base model, under the names its HF modeling code saves. */
export function tensorSpecs(config: Record<string, unknown>): TensorSpec[] {
  const n = (k: string) => config[k] as number;
  const H = n("hidden_size");
  const I = n("intermediate_size");
  const V = n("vocab_size");
  const L = n("num_hidden_layers");
  const specs: TensorSpec[] = [];
  const emb = (name: string, shape: number[]) =>
    specs.push({ name, shape, init: { kind: "normal", std: 1 } });
  const lin = (name: string, out: number, inp: number, bias: boolean) => {
    specs.push({
      name: `${name}.weight`,
      shape: [out, inp],
      init: { kind: "normal", std: 1 / Math.sqrt(inp) },
    });
    if (bias) specs.push({ name: `${name}.bias`, shape: [out], init: { kind: "normal", std: 0.1 } });
  };
  const norm = (name: string, width: number, bias: boolean) => {
    specs.push({ name: `${name}.weight`, shape: [width], init: { kind: "around", center: 1, spread: 0.1 } });
    if (bias) specs.push({ name: `${name}.bias`, shape: [width], init: { kind: "normal", std: 0.1 } });
  };
  switch (config.model_type) {
    case "bert":
    case "xlm-roberta":
      emb("embeddings.word_embeddings.weight", [V, H]);
      emb("embeddings.position_embeddings.weight", [n("max_position_embeddings"), H]);
      emb("embeddings.token_type_embeddings.weight", [n("type_vocab_size"), H]);
      norm("embeddings.LayerNorm", H, true);
      for (let l = 0; l < L; l++) {
        const p = `encoder.layer.${l}.`;
        for (const m of ["query", "key", "value"]) lin(`${p}attention.self.${m}`, H, H, true);
        lin(`${p}attention.output.dense`, H, H, true);
        norm(`${p}attention.output.LayerNorm`, H, true);
        lin(`${p}intermediate.dense`, I, H, true);
        lin(`${p}output.dense`, H, I, true);
        norm(`${p}output.LayerNorm`, H, true);
      }
      lin("pooler.dense", H, H, true);
      return specs;
    case "new":
      emb("embeddings.word_embeddings.weight", [V, H]);
      emb("embeddings.token_type_embeddings.weight", [n("type_vocab_size"), H]);
      norm("embeddings.LayerNorm", H, true);
      for (let l = 0; l < L; l++) {
        const p = `encoder.layer.${l}.`;
        lin(`${p}attention.qkv_proj`, 3 * H, H, true);
        lin(`${p}attention.o_proj`, H, H, true);
        norm(`${p}attn_ln`, H, true);
        lin(`${p}mlp.up_gate_proj`, 2 * I, H, false);
        lin(`${p}mlp.down_proj`, H, I, true);
        norm(`${p}mlp_ln`, H, true);
      }
      return specs;
    case "qwen2":
    case "qwen3": {
      const qwen3 = config.model_type === "qwen3";
      const heads = n("num_attention_heads");
      const kv = n("num_key_value_heads");
      const hd = qwen3 ? n("head_dim") : H / heads;
      const qkvBias = !qwen3 || config.attention_bias === true;
      emb("embed_tokens.weight", [V, H]);
      for (let l = 0; l < L; l++) {
        const p = `layers.${l}.`;
        norm(`${p}input_layernorm`, H, false);
        lin(`${p}self_attn.q_proj`, heads * hd, H, qkvBias);
        lin(`${p}self_attn.k_proj`, kv * hd, H, qkvBias);
        lin(`${p}self_attn.v_proj`, kv * hd, H, qkvBias);
        lin(`${p}self_attn.o_proj`, H, heads * hd, false);
        if (qwen3) {
          norm(`${p}self_attn.q_norm`, hd, false);
          norm(`${p}self_attn.k_norm`, hd, false);
        }
        norm(`${p}post_attention_layernorm`, H, false);
        lin(`${p}mlp.gate_proj`, I, H, false);
        lin(`${p}mlp.up_proj`, I, H, false);
        lin(`${p}mlp.down_proj`, H, I, false);
      }
      norm("norm", H, false);
      return specs;
    }
    default:
      throw new CareError(
        `make-tiny has no tensor layout for model_type ${JSON.stringify(config.model_type)}`,
      );
  }
}

/** FNV-1a over the seed and tensor name: each tensor's stream is independent of order and chunking. */
function tensorSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const CHUNK = 1 << 20;

/**
 * The values of one tensor in chunks. Uniform noise with the requested standard deviation (a normal
 * is not needed for random-weight checkpoints and uniform is several times cheaper to draw at 4B values).
 */
export function* randomChunks(spec: TensorSpec, seed: number): Generator<Float32Array> {
  const next = rng(tensorSeed(seed, spec.name));
  const total = spec.shape.reduce((a, b) => a * b, 1);
  const [center, half] =
    spec.init.kind === "normal" ? [0, Math.sqrt(3) * spec.init.std] : [spec.init.center, spec.init.spread];
  for (let start = 0; start < total; start += CHUNK) {
    const out = new Float32Array(Math.min(CHUNK, total - start));
    for (let i = 0; i < out.length; i++) {
      out[i] = center + (2 * next() - 1) * half;
    }
    yield out;
  }
}

export function randomTensor(spec: TensorSpec, seed: number): Float32Array {
  const total = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(total);
  let off = 0;
  for (const c of randomChunks(spec, seed)) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** The same weights make-tiny writes, in memory (for tests that skip the file round trip). */
export function randomWeights(config: Record<string, unknown>, seed = 0): MapTensorSource {
  return new MapTensorSource(
    new Map(tensorSpecs(config).map((s) => [s.name, { shape: s.shape, data: randomTensor(s, seed) }])),
  );
}

/** Characters of a text file, for `--vocab-from`: every distinct non-ASCII, non-space character. */
export function charsFromFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CareError(`cannot read vocabulary characters: ${(e as Error).message}`, file);
  }
  const chars = [...new Set([...text].filter((c) => c.codePointAt(0)! > 0x7f && !/\s/u.test(c)))];
  if (!chars.length) throw new CareError("no non-ASCII characters to build a vocabulary from", file);
  return chars;
}

export interface TinyCheckpoint {
  dir: string;
  config: Record<string, unknown>;
  card: ModelCard;
}

export function makeTiny(o: MakeTinyOptions): TinyCheckpoint {
  const preset = o.shape ? SHAPES[o.shape] : undefined;
  if (o.shape && !preset) throw new CareError(`unknown shape "${o.shape}"; known: ${TINY_SHAPES.join(", ")}`);
  const family = preset?.family ?? o.family;
  if (!family || !TINY_FAMILIES.includes(family)) {
    throw new CareError(`unknown family "${family}"; known: ${TINY_FAMILIES.join(", ")}`);
  }
  if (preset && o.family && o.family !== preset.family) {
    throw new CareError(`--shape ${o.shape} is a ${preset.family} shape, not ${o.family}`);
  }
  const dims = preset?.dims ?? tinyDims(family, o);
  const chars = o.chars ?? cjkBlock();
  const qwen = family.startsWith("qwen");
  const tokenizer = qwen
    ? byteLevelBpeTokenizer(chars)
    : family === "xlm-roberta"
      ? unigramTokenizer(chars)
      : wordPieceTokenizer(chars);
  const tokVocab = tokenizerSize(tokenizer);
  const vocab = Math.max(dims.vocab ?? 0, tokVocab);
  const config = tinyConfig(family, dims, vocab);
  if (qwen) {
    // The end-of-text token is the tokenizer's last id; point the config's bos/eos at it.
    config.bos_token_id = tokVocab - 1;
    config.eos_token_id = tokVocab - 1;
  }
  const dtype = o.dtype ?? preset?.dtype ?? "F32";
  config.torch_dtype = { F32: "float32", F16: "float16", BF16: "bfloat16" }[dtype];
  const seed = o.seed ?? 0;

  mkdirSync(o.out, { recursive: true });
  const specs = tensorSpecs(config);
  const total = specs.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  const progress = o.progress ? new Progress(`make-tiny ${o.shape ?? family}`, total, "params") : undefined;
  writeSafetensors(
    join(o.out, "model.safetensors"),
    specs.map((s) => ({
      name: s.name,
      shape: s.shape,
      dtype,
      data: function* () {
        for (const c of randomChunks(s, seed)) {
          progress?.tick(c.length);
          yield c;
        }
      },
    })),
    { format: "pt" },
  );
  progress?.finish();

  writeJson(join(o.out, "config.json"), config);
  writeJson(join(o.out, "tokenizer.json"), tokenizer);
  writeJson(join(o.out, "tokenizer_config.json"), tokenizerConfig(family, dims.maxPositions));
  const card = defaultCard(encoderFamily(family), config);
  writeCard(o.out, card);
  return { dir: o.out, config, card };
}

function tokenizerSize(tokenizer: Record<string, unknown>): number {
  const vocab = (tokenizer.model as { vocab: Record<string, number> | [string, number][] }).vocab;
  const added = tokenizer.added_tokens as { id: number }[];
  // Unigram vocabularies are a list of [piece, score], numbered by position.
  const ids = Array.isArray(vocab) ? [vocab.length - 1] : Object.values(vocab);
  return Math.max(...ids, ...added.map((t) => t.id)) + 1;
}

function tokenizerConfig(family: TinyFamily, maxPositions: number): Record<string, unknown> {
  if (family.startsWith("qwen")) {
    return {
      tokenizer_class: "Qwen2Tokenizer",
      model_max_length: maxPositions,
      eos_token: QWEN_EOS,
      pad_token: QWEN_EOS,
      bos_token: null,
      padding_side: "left",
      add_prefix_space: false,
      clean_up_tokenization_spaces: false,
    };
  }
  if (family === "xlm-roberta") {
    const [bos, pad, eos, unk] = XLMR_SPECIALS;
    return {
      tokenizer_class: "XLMRobertaTokenizer",
      model_max_length: maxPositions,
      bos_token: bos,
      eos_token: eos,
      sep_token: eos,
      cls_token: bos,
      unk_token: unk,
      pad_token: pad,
      mask_token: XLMR_MASK,
      padding_side: "right",
    };
  }
  const [pad, unk, cls, sep, mask] = BERT_SPECIALS;
  return {
    tokenizer_class: "BertTokenizer",
    model_max_length: maxPositions,
    do_lower_case: true,
    tokenize_chinese_chars: true,
    pad_token: pad,
    unk_token: unk,
    cls_token: cls,
    sep_token: sep,
    mask_token: mask,
    padding_side: "right",
  };
}

function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}
