import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import { TokenType } from "./format.js";
import type { GgufMetadata } from "./metadata.js";

/** The pre-tokenizer split regex of Qwen2/Qwen3's tokenizer.json, which llama.cpp calls "qwen2". */
export const QWEN2_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** The token appended to every input for last-token pooling, as Qwen3-Embedding's tokenizer does. */
export const END_OF_TEXT = "<|endoftext|>";

export interface GgufVocab {
  /** `tokenizer.ggml.pre`: which pre-tokenizer regex llama.cpp applies. */
  pre: "qwen2" | "gpt-2";
  tokens: string[];
  types: TokenType[];
  merges: string[];
  eosId: number;
  padId: number;
}

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  pre_tokenizer?: PreTokenizer | null;
  post_processor?: PostProcessor | null;
}
interface PreTokenizer {
  type?: string;
  pretokenizers?: PreTokenizer[];
  pattern?: { Regex?: string; String?: string };
  use_regex?: boolean;
}
interface PostProcessor {
  type?: string;
  processors?: PostProcessor[];
  single?: { SpecialToken?: { id: string }; Sequence?: { id: string } }[];
}

/**
 * Reads a byte-level BPE tokenizer.json (Qwen2/Qwen3, GPT-2 style) into llama.cpp's "gpt2" vocabulary:
 * tokens in id order (byte-level strings as the vocab stores them, added tokens as plain text), token
 * types, merges, and the end-of-text token. Ids the model reserves beyond the tokenizer (config
 * vocab_size is often padded) become unused "[PADn]" tokens, as convert_hf_to_gguf.py writes them.
 */
export function readVocab(dir: string, vocabSize: number): GgufVocab {
  const file = join(dir, "tokenizer.json");
  if (!existsSync(file)) throw new CareError("missing tokenizer.json (needed for the GGUF vocabulary)", file);
  let tok: TokenizerJson;
  try {
    tok = JSON.parse(readFileSync(file, "utf8")) as TokenizerJson;
  } catch (e) {
    throw new CareError(`not valid JSON: ${(e as Error).message}`, file);
  }
  const model = tok.model;
  if (model?.type !== "BPE" || !model.vocab)
    throw new CareError(`model.type is "${model?.type}"; the GGUF writer supports byte-level BPE only`, file);

  const byId = new Map<number, { text: string; type: TokenType }>();
  for (const [text, id] of Object.entries(model.vocab)) byId.set(id, { text, type: TokenType.NORMAL });
  for (const a of tok.added_tokens ?? []) {
    // Added tokens are stored as plain text, which is what llama.cpp expects of control and
    // user-defined tokens; "<|...|>" counts as control even when not flagged special (as upstream).
    const control = a.special === true || (a.content.startsWith("<|") && a.content.endsWith("|>"));
    byId.set(a.id, { text: a.content, type: control ? TokenType.CONTROL : TokenType.USER_DEFINED });
  }
  let n = vocabSize;
  for (const id of byId.keys()) n = Math.max(n, id + 1);
  const tokens: string[] = [];
  const types: TokenType[] = [];
  for (let i = 0; i < n; i++) {
    const t = byId.get(i);
    tokens.push(t ? t.text : `[PAD${i}]`);
    types.push(t ? t.type : TokenType.UNUSED);
  }

  const merges = (model.merges ?? []).map((m) =>
    // Pair merges (transformers >= 4.45) may contain spaces; gguf-py writes a space as U+0120 there.
    typeof m === "string" ? m : m.map((s) => s.replaceAll(" ", "\u0120")).join(" "),
  );

  const idOf = (content: string | undefined) =>
    content === undefined ? undefined : (tok.added_tokens ?? []).find((a) => a.content === content)?.id;
  const eosId = idOf(END_OF_TEXT) ?? idOf(trailingSpecial(tok.post_processor)) ?? idOf(configEos(dir));
  if (eosId === undefined)
    throw new CareError(
      `no end-of-text token (${END_OF_TEXT}, a post_processor's trailing special token, or tokenizer_config eos_token) among added_tokens; last-token pooling needs one`,
      file,
    );
  return { pre: preTokenizer(tok.pre_tokenizer, file), tokens, types, merges, eosId, padId: eosId };
}

/** Writes the vocabulary as the `tokenizer.*` keys llama.cpp reads. */
export function addVocab(meta: GgufMetadata, v: GgufVocab): void {
  meta
    .string("tokenizer.ggml.model", "gpt2")
    .string("tokenizer.ggml.pre", v.pre)
    .strings("tokenizer.ggml.tokens", v.tokens)
    .i32s("tokenizer.ggml.token_type", v.types)
    .strings("tokenizer.ggml.merges", v.merges)
    // BOS is never added (add_bos_token false), but node-llama-cpp only honours add_eos_token when a
    // BOS id exists; Qwen's own GGUFs name end-of-text as BOS too.
    .u32("tokenizer.ggml.bos_token_id", v.eosId)
    .u32("tokenizer.ggml.eos_token_id", v.eosId)
    .u32("tokenizer.ggml.padding_token_id", v.padId)
    .bool("tokenizer.ggml.add_bos_token", false)
    // llama.cpp (and node-llama-cpp's embedding context) then append end-of-text to every input.
    .bool("tokenizer.ggml.add_eos_token", true);
}

function preTokenizer(p: PreTokenizer | null | undefined, file: string): GgufVocab["pre"] {
  const steps = p?.type === "Sequence" ? (p.pretokenizers ?? []) : p ? [p] : [];
  const split = steps.find((s) => s.type === "Split");
  if (split?.pattern?.Regex === QWEN2_SPLIT_REGEX) return "qwen2";
  if (!split && steps.some((s) => s.type === "ByteLevel" && s.use_regex !== false)) return "gpt-2";
  throw new CareError(
    "pre_tokenizer is neither Qwen2's split regex nor GPT-2's ByteLevel; llama.cpp would tokenise differently",
    file,
  );
}

function trailingSpecial(p: PostProcessor | null | undefined): string | undefined {
  for (const q of p?.processors ?? (p ? [p] : [])) {
    const last = q.type === "TemplateProcessing" ? q.single?.at(-1) : undefined;
    if (last?.SpecialToken) return last.SpecialToken.id;
  }
  return undefined;
}

function configEos(dir: string): string | undefined {
  const file = join(dir, "tokenizer_config.json");
  if (!existsSync(file)) return undefined;
  try {
    const eos = (JSON.parse(readFileSync(file, "utf8")) as { eos_token?: unknown }).eos_token;
    if (typeof eos === "string") return eos;
    if (eos && typeof eos === "object" && "content" in eos) return String(eos.content);
  } catch (e) {
    throw new CareError(`not valid JSON: ${(e as Error).message}`, file);
  }
  return undefined;
}
