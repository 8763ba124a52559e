import { existsSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { CareError } from "../core/errors.js";
import { readJsonFile } from "../weights/checkpoint.js";

export type PaddingSide = "left" | "right";

export interface BatchOptions {
  /** Longest sequence, special tokens included; longer texts are cut (their end is dropped). */
  maxLength: number;
  /** Where padding goes; right by default (BERT), left for decoders pooled at the last token. */
  paddingSide?: PaddingSide;
  /** Ends every sequence with the end-of-text token, as Qwen3-Embedding does for last-token pooling. */
  appendEos?: boolean;
}

/** A padded batch in the layout the encoder graphs take: int64 [batch, seqLen], row-major. */
export interface EncodedBatch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  batch: number;
  seqLen: number;
  /** Real (unpadded) length of each row. */
  lengths: number[];
}

function tokenName(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && typeof (v as { content?: unknown }).content === "string") {
    return (v as { content: string }).content;
  }
  return undefined;
}

/**
 * A checkpoint's tokenizer (tokenizer.json, with tokenizer_config.json when present) read by the
 * maintained @huggingface/tokenizers library, plus what encoders need around it: truncation that keeps
 * the special tokens, padding on either side, and the end-of-text token for last-token pooling.
 */
export class TextTokenizer {
  readonly padId: number;
  readonly eosId: number | undefined;
  /** tokenizer_config.json's model_max_length, when it is a real limit. */
  readonly modelMaxLength: number | undefined;
  readonly paddingSide: PaddingSide | undefined;
  private readonly specialCount: number;
  /** Whether the post-processor itself ends sequences with eos (newer Qwen3-Embedding releases). */
  private readonly specialsEndWithEos: boolean;

  constructor(
    readonly tokenizer: Tokenizer,
    config: Record<string, unknown> = {},
    readonly file = "tokenizer.json",
  ) {
    const id = (name: string | undefined) => (name === undefined ? undefined : tokenizer.token_to_id(name));
    // Qwen3-Embedding pools the hidden state of <|endoftext|> (its reference code appends that id), while
    // its tokenizer_config names <|im_end|> as eos_token: the end-of-text token wins where it exists.
    this.eosId = id("<|endoftext|>") ?? id(tokenName(config.eos_token));
    this.padId = id(tokenName(config.pad_token)) ?? id("[PAD]") ?? this.eosId ?? 0;
    const max = config.model_max_length;
    this.modelMaxLength = typeof max === "number" && max < 1e9 ? max : undefined;
    const side = config.padding_side;
    this.paddingSide = side === "left" || side === "right" ? side : undefined;
    const specials = this.withSpecials([]);
    this.specialCount = specials.length;
    this.specialsEndWithEos = this.eosId !== undefined && specials[specials.length - 1] === this.eosId;
  }

  static load(dir: string): TextTokenizer {
    const file = join(dir, "tokenizer.json");
    const json = readJsonFile(file, "tokenizer.json");
    const configFile = join(dir, "tokenizer_config.json");
    const config = existsSync(configFile) ? readJsonFile(configFile, "tokenizer_config.json") : {};
    if (!config || typeof config !== "object" || Array.isArray(config)) {
      throw new CareError("tokenizer_config.json is not a JSON object", configFile);
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json as object, config);
    } catch (e) {
      throw new CareError(`cannot build a tokenizer from it: ${(e as Error).message}`, file);
    }
    return new TextTokenizer(tokenizer, config as Record<string, unknown>, file);
  }

  /** Token ids of one text: truncated so that, with its special tokens (and eos), it fits maxLength. */
  encode(text: string, maxLength: number, appendEos = false): number[] {
    const eos = appendEos ? this.eosId : undefined;
    if (appendEos && eos === undefined)
      throw new CareError("the tokenizer has no end-of-text token", this.file);
    let budget = maxLength - this.specialCount;
    if (eos !== undefined && !this.specialsEndWithEos) budget -= 1;
    if (budget < 1) throw new CareError(`max length ${maxLength} leaves no room for text`, this.file);
    const tokens = this.tokenizer.tokenize(text);
    const ids = this.withSpecials(tokens.length > budget ? tokens.slice(0, budget) : tokens);
    if (eos !== undefined && ids[ids.length - 1] !== eos) ids.push(eos);
    return ids;
  }

  /**
   * How many tokens a prompt takes at the start of an encoded text: the leading special tokens and
   * the prompt's own, without the trailing ones (sentence-transformers' prompt_length).
   */
  promptLength(prompt: string): number {
    const tokens: string[] = this.tokenizer.tokenize(prompt);
    const ids = tokens.map((t) => this.tokenizer.token_to_id(t) as number);
    const all = this.withSpecials(tokens);
    for (let lead = 0; lead <= this.specialCount; lead++) {
      if (ids.every((id, i) => all[lead + i] === id)) return lead + ids.length;
    }
    throw new CareError("cannot place the prompt's tokens among the special tokens", this.file);
  }

  encodeBatch(texts: string[], options: BatchOptions): EncodedBatch {
    const rows = texts.map((t) => this.encode(t, options.maxLength, options.appendEos ?? false));
    return padBatch(rows, this.padId, options.paddingSide ?? "right");
  }

  decode(ids: number[]): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: true });
  }

  private withSpecials(tokens: string[]): number[] {
    const pp = this.tokenizer.post_processor;
    const all: string[] = pp ? pp.post_process(tokens, null, true).tokens : tokens;
    return all.map((t) => {
      const id = this.tokenizer.token_to_id(t);
      if (id === undefined) throw new CareError(`token "${t}" has no id in the vocabulary`, this.file);
      return id;
    });
  }
}

/**
 * Pads rows of token ids into one batch with its attention mask. `multiple` rounds the padded length
 * up (training pads to 8: steadier kernel shapes and fewer distinct graph shapes).
 */
export function padBatch(
  rows: readonly (readonly number[])[],
  padId: number,
  side: PaddingSide,
  multiple = 1,
): EncodedBatch {
  const seqLen = Math.ceil(Math.max(1, ...rows.map((r) => r.length)) / multiple) * multiple;
  const ids = new BigInt64Array(rows.length * seqLen).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * seqLen);
  rows.forEach((r, b) => {
    const start = b * seqLen + (side === "left" ? seqLen - r.length : 0);
    for (let i = 0; i < r.length; i++) {
      ids[start + i] = BigInt(r[i]);
      mask[start + i] = 1n;
    }
  });
  return { ids, mask, batch: rows.length, seqLen, lengths: rows.map((r) => r.length) };
}
