import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Family } from "./family.js";
import { POOLINGS, type Pooling } from "./layers.js";
import { headWidth, readStConfig, type StConfig } from "./sentence-transformers.js";
import type { PaddingSide } from "../tokenize/tokenizer.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { validate } from "../util/validate.js";
import { readJsonFile } from "../weights/checkpoint.js";

/**
 * How a checkpoint turns text into an embedding: pooling, lengths, the query template and document
 * prompt. Three layers, each over the one before: the family's defaults (BERT and gte: CLS pooling,
 * no template; Qwen: last-token pooling with the end-of-text token, left padding, Qwen3-Embedding's
 * instruction template), the folder's sentence-transformers files, and care's own card (`care.json`,
 * every field optional), which must not contradict the sentence-transformers pooling.
 */

export interface ModelCard {
  pooling: Pooling;
  /** Longest input in tokens, special tokens included. */
  max_length: number;
  /** Longest query in tokens, where queries were trained shorter than documents (default max_length). */
  query_max_length?: number;
  /** Query text with `{instruction}` and `{text}` placeholders; null: queries go in as they are. */
  query_template: string | null;
  /** Instruction used when the task gives none. */
  default_instruction: string | null;
  /** Widths the model was trained to be cut to (Matryoshka); any width up to `dim` is allowed without it. */
  matryoshka_dims?: number[];
  padding_side: PaddingSide;
  /** Default output width (≤ the embedding's width); embeddings are cut to it before normalising. */
  dim: number;
  /** Prefix of every document (sentence-transformers' "document"/"passage" prompt); null: none. */
  document_prompt: string | null;
  /** Lower-case texts before tokenising (sentence_bert_config.json do_lower_case). */
  lowercase: boolean;
  /** Whether the prompt's tokens are pooled (1_Pooling include_prompt). */
  include_prompt: boolean;
}

export const CARD_FILE = "care.json";

/** Qwen3-Embedding's query format and default task, as its model card and sentence-transformers prompt give them. */
export const QWEN_QUERY_TEMPLATE = "Instruct: {instruction}\nQuery:{text}";
export const QWEN_DEFAULT_INSTRUCTION =
  "Given a web search query, retrieve relevant passages that answer the query";

const MAX_LENGTH_CAP: Record<Family, number> = { bert: 512, gte: 8192, qwen: 8192 };

export function defaultCard(family: Family, config: Record<string, unknown>): ModelCard {
  const hidden = typeof config.hidden_size === "number" ? config.hidden_size : 0;
  let maxPos = typeof config.max_position_embeddings === "number" ? config.max_position_embeddings : 512;
  // RoBERTa-style position tables start past the padding index (bge-m3: 8194 rows, 8192 tokens).
  if (config.model_type === "roberta" || config.model_type === "xlm-roberta")
    maxPos -= (typeof config.pad_token_id === "number" ? config.pad_token_id : 1) + 1;
  const cap = config.model_type === "xlm-roberta" ? 8192 : MAX_LENGTH_CAP[family];
  const common = {
    max_length: Math.min(maxPos, cap),
    dim: hidden,
    document_prompt: null,
    lowercase: false,
    include_prompt: true,
  };
  if (family === "qwen") {
    return {
      ...common,
      pooling: "last",
      query_template: QWEN_QUERY_TEMPLATE,
      default_instruction: QWEN_DEFAULT_INSTRUCTION,
      padding_side: "left",
    };
  }
  return {
    ...common,
    pooling: "cls",
    query_template: null,
    default_instruction: null,
    padding_side: "right",
  };
}

/** care.json: every field optional over the family defaults; the widths are checked against the embedding width. */
function cardSchema(hidden: number) {
  const width = Type.Integer({
    minimum: 1,
    maximum: hidden,
    errorMessage: `must be a positive integer ≤ the embedding width ${hidden}`,
  });
  const nullableText = Type.Union([Type.String(), Type.Null()], { errorMessage: "must be a string or null" });
  return Type.Object(
    {
      pooling: Type.Optional(
        Type.Union(
          POOLINGS.map((p) => Type.Literal(p)),
          { errorMessage: `must be one of ${POOLINGS.join(", ")}` },
        ),
      ),
      lowercase: Type.Optional(Type.Boolean()),
      include_prompt: Type.Optional(Type.Boolean()),
      document_prompt: Type.Optional(nullableText),
      max_length: Type.Optional(Type.Integer({ minimum: 1, errorMessage: "must be a positive integer" })),
      query_max_length: Type.Optional(
        Type.Integer({ minimum: 1, errorMessage: "must be a positive integer" }),
      ),
      query_template: Type.Optional(nullableText),
      default_instruction: Type.Optional(nullableText),
      padding_side: Type.Optional(
        Type.Union([Type.Literal("left"), Type.Literal("right")], { errorMessage: "must be left or right" }),
      ),
      dim: Type.Optional(width),
      matryoshka_dims: Type.Optional(
        Type.Array(width, {
          minItems: 1,
          errorMessage: "must be a non-empty list of widths",
        }),
      ),
    },
    { additionalProperties: false },
  );
}

/** Validates a care.json object field by field over the family defaults. */
export function parseCard(raw: unknown, defaults: ModelCard, file: string, hidden: number): ModelCard {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new CareError("model card is not a JSON object", file);
  const r = validate(cardSchema(hidden), raw, file);
  const card: ModelCard = { ...defaults };
  for (const [k, v] of Object.entries(r)) if (v !== undefined) Object.assign(card, { [k]: v });
  if (card.query_template !== null && !card.query_template.includes("{text}")) {
    throw new CareError(`query_template: must contain {text}, got ${JSON.stringify(r.query_template)}`, file);
  }
  if (r.matryoshka_dims) card.matryoshka_dims = [...r.matryoshka_dims].sort((a, b) => a - b);
  return card;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}

/**
 * The card of a checkpoint folder: family defaults, then its sentence-transformers files, then
 * care.json. Without a modules.json (and no pooling in care.json) the family's pooling is used and
 * said once on stderr (unless CARE_QUIET=1, like every status line).
 */
export function loadCard(
  dir: string,
  family: Family,
  config: Record<string, unknown>,
  st: StConfig = readStConfig(dir),
): ModelCard {
  const fromSt = stCard(defaultCard(family, config), st);
  const file = join(dir, CARD_FILE);
  const raw = existsSync(file) ? readJsonFile(file, "model card") : undefined;
  const card = raw === undefined ? fromSt : parseCard(raw, fromSt, file, fromSt.dim);
  if (st.modules && card.pooling !== st.modules.pooling.mode)
    throw new CareError(
      `field "pooling" is "${card.pooling}" but ${st.modules.pooling.file} says "${st.modules.pooling.mode}"`,
      file,
    );
  if (st.modules && card.include_prompt !== st.modules.pooling.includePrompt)
    throw new CareError(
      `field "include_prompt" is ${card.include_prompt} but ${st.modules.pooling.file} says ${st.modules.pooling.includePrompt}`,
      file,
    );
  const cardPooling = raw && typeof raw === "object" && "pooling" in raw;
  if (!st.modules && !cardPooling) announceDefaultPooling(dir, family, card.pooling);
  return card;
}

const announced = new Set<string>();

function announceDefaultPooling(dir: string, family: Family, pooling: Pooling): void {
  const key = resolve(dir);
  if (announced.has(key) || process.env.CARE_QUIET === "1") return;
  announced.add(key);
  process.stderr.write(
    `${dir}: no sentence-transformers modules.json; pooling "${pooling}" (the ${family} family's default)\n`,
  );
}

/** Matches the instruction prompt of Qwen3-Embedding and gte-Qwen2 ("Instruct: …\nQuery:" with or without a space). */
const INSTRUCT_PROMPT = /^Instruct: ([^\n]*)\nQuery:( ?)$/;

/** The family defaults with what the sentence-transformers files say laid over them. */
function stCard(defaults: ModelCard, st: StConfig): ModelCard {
  const card = { ...defaults };
  const m = st.modules;
  if (m) {
    card.pooling = m.pooling.mode;
    card.include_prompt = m.pooling.includePrompt;
    if (m.pooling.dimension !== defaults.dim)
      throw new CareError(
        `field "word_embedding_dimension" is ${m.pooling.dimension} but config.json's hidden_size is ${defaults.dim}`,
        m.pooling.file,
      );
    card.dim = headWidth(defaults.dim, m);
  }
  if (st.transformer) {
    if (st.transformer.maxSeqLength !== null) card.max_length = st.transformer.maxSeqLength;
    card.lowercase = st.transformer.doLowerCase;
  }
  if (st.model) {
    const { prompts, defaultPromptName, similarity, file } = st.model;
    // Every embedding is normalised (the Embedder contract): dot and euclidean rank as cosine only
    // when the model itself ends in Normalize.
    if (similarity === "manhattan" || ((similarity === "dot" || similarity === "euclidean") && !m?.normalize))
      throw new CareError(
        `field "similarity_fn_name" is "${similarity}"${m?.normalize ? "" : " without a Normalize module"}; care ranks by cosine of normalised embeddings`,
        file,
      );
    const fallback = defaultPromptName !== null ? prompts[defaultPromptName] : undefined;
    // The file's prompts are the whole truth: without a query prompt, queries go in as they are.
    const query = prompts.query ?? fallback ?? "";
    {
      if (/\{(text|instruction)\}/.test(query))
        throw new CareError(`field "prompts.query" contains a {text} or {instruction} placeholder`, file);
      const instruct = INSTRUCT_PROMPT.exec(query);
      card.query_template =
        query === ""
          ? null
          : instruct
            ? `Instruct: {instruction}\nQuery:${instruct[2]}{text}`
            : `${query}{text}`;
      card.default_instruction = instruct ? instruct[1] : null;
    }
    const doc = prompts.document ?? prompts.passage ?? prompts.corpus ?? fallback;
    if (doc !== undefined) card.document_prompt = doc === "" ? null : doc;
  }
  return card;
}

/**
 * The card's query template as a sentence-transformers prompt (the text before `{text}`, with the
 * default instruction filled in); undefined when the template has text after `{text}`.
 */
export function queryPrompt(card: ModelCard): string | undefined {
  if (card.query_template === null) return "";
  const at = card.query_template.indexOf("{text}");
  if (at + "{text}".length !== card.query_template.length) return undefined;
  return fillQueryTemplate(card.query_template.slice(0, at), "", card.default_instruction ?? "");
}

export function writeCard(dir: string, card: ModelCard): void {
  writeFileAtomic(join(dir, CARD_FILE), JSON.stringify(card, null, 2) + "\n");
}

/** The text a query is encoded as: the card's template filled with the task's (or default) instruction. */
export function formatQuery(card: ModelCard, text: string, instruction?: string): string {
  if (card.query_template === null) return text;
  const inst = instruction ?? card.default_instruction;
  // Without any instruction an instruction template would leave an empty "Instruct:" line; the
  // bare text is closer to how such models are used without a task.
  if (!inst && card.query_template.includes("{instruction}")) return text;
  return fillQueryTemplate(card.query_template, text, inst ?? "");
}

/** One pass with a function replacer: neither `$` patterns nor placeholders inside the text expand. */
export function fillQueryTemplate(template: string, text: string, instruction: string): string {
  return template.replace(/\{(instruction|text)\}/g, (_m, key: string) =>
    key === "text" ? text : instruction,
  );
}

/** The width an embedding is cut to: the requested one, checked against the card, else the card's. */
export function outputDim(card: ModelCard, hidden: number, requested?: number): number {
  if (requested === undefined) return card.dim;
  if (!isPositiveInt(requested) || requested > hidden) {
    throw new CareError(`dim ${requested} must be a positive integer ≤ the embedding width ${hidden}`);
  }
  if (card.matryoshka_dims && !card.matryoshka_dims.includes(requested) && requested !== hidden) {
    throw new CareError(
      `dim ${requested} is not one of the model's Matryoshka widths ${card.matryoshka_dims.join(", ")}`,
    );
  }
  return requested;
}
