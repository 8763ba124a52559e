/**
 * Which files of a model repository a checkpoint needs, so that a pull never fetches the
 * PyTorch, TensorFlow, ONNX or GGUF copies most repositories also carry.
 */

/** Top-level files read by the model, tokenizer, card and sentence-transformers loaders. */
const ROOT_FILES = new Set([
  "config.json",
  "care.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.txt",
  "vocab.json",
  "merges.txt",
  "sentencepiece.bpe.model",
  "spiece.model",
  "tokenizer.model",
  "modules.json",
  "config_sentence_transformers.json",
  "sentence_bert_config.json",
  "1_Pooling/config.json",
]);

export const WEIGHTS = "model.safetensors";
export const WEIGHTS_INDEX = "model.safetensors.index.json";

/** Weights in formats this project does not read; a module folder's safetensors are taken instead. */
const OTHER_WEIGHTS = /\.(bin|pt|pth|h5|msgpack|ckpt|onnx|ot|gguf|pb)$/;

/** The files to fetch first: configs, tokenizer, and the weights file or its shard index. */
export function firstFiles(listing: readonly string[]): string[] {
  const has = new Set(listing);
  const weights = has.has(WEIGHTS_INDEX) ? WEIGHTS_INDEX : WEIGHTS;
  return listing.filter((f) => ROOT_FILES.has(f) || f === weights);
}

/** The shards a safetensors index names. */
export function shardFiles(index: unknown): string[] {
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== "object") return [];
  return [
    ...new Set(
      Object.values(map as Record<string, unknown>).filter((v): v is string => typeof v === "string"),
    ),
  ];
}

/** Every file inside the folders sentence-transformers' modules.json lists (Pooling, Dense, Normalize). */
export function moduleFiles(modules: unknown, listing: readonly string[]): string[] {
  if (!Array.isArray(modules)) return [];
  const dirs = modules
    .map((m) => (m as { path?: unknown })?.path)
    .filter((p): p is string => typeof p === "string" && p !== "" && !p.includes(".."))
    .map((p) => p.replace(/\/+$/, "") + "/");
  return listing.filter((f) => dirs.some((d) => f.startsWith(d)) && !OTHER_WEIGHTS.test(f));
}
