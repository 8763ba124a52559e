import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Family, Pooling } from "./family.js";
import type { PaddingSide } from "../tokenize/tokenizer.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { readJsonFile } from "../weights/checkpoint.js";

/**
 * The model card beside a checkpoint (`care.json`): how to turn the encoder's hidden states into an
 * embedding and how to present queries. Every field is optional in the file; missing ones take the
 * family's defaults (BERT and gte: CLS pooling, no template; Qwen: last-token pooling with the
 * end-of-text token, left padding, Qwen3-Embedding's instruction template).
 */

export interface ModelCard {
  pooling: Pooling;
  /** Longest input in tokens, special tokens included. */
  max_length: number;
  /** Query text with `{instruction}` and `{text}` placeholders; null: queries go in as they are. */
  query_template: string | null;
  /** Instruction used when the task gives none. */
  default_instruction: string | null;
  /** Widths the model was trained to be cut to (Matryoshka); any width up to `dim` is allowed without it. */
  matryoshka_dims?: number[];
  padding_side: PaddingSide;
  /** Default output width (≤ hidden size); embeddings are cut to it before normalising. */
  dim: number;
}

export const CARD_FILE = "care.json";

/** Qwen3-Embedding's query format and default task, as its model card and sentence-transformers prompt give them. */
export const QWEN_QUERY_TEMPLATE = "Instruct: {instruction}\nQuery:{text}";
export const QWEN_DEFAULT_INSTRUCTION =
  "Given a web search query, retrieve relevant passages that answer the query";

const MAX_LENGTH_CAP: Record<Family, number> = { bert: 512, gte: 8192, qwen: 8192 };

export function defaultCard(family: Family, config: Record<string, unknown>): ModelCard {
  const hidden = typeof config.hidden_size === "number" ? config.hidden_size : 0;
  const maxPos = typeof config.max_position_embeddings === "number" ? config.max_position_embeddings : 512;
  const common = { max_length: Math.min(maxPos, MAX_LENGTH_CAP[family]), dim: hidden };
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

/** Validates a care.json object field by field over the family defaults. */
export function parseCard(raw: unknown, defaults: ModelCard, file: string, hidden: number): ModelCard {
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new CareError("model card is not a JSON object", file);
  const r = raw as Record<string, unknown>;
  const bad = (field: string, why: string) =>
    new CareError(`field "${field}" ${why}, got ${JSON.stringify(r[field])}`, file);
  const known = new Set(Object.keys(defaults).concat("matryoshka_dims"));
  for (const k of Object.keys(r)) {
    if (!known.has(k)) throw new CareError(`unknown field "${k}"; known: ${[...known].join(", ")}`, file);
  }
  const card: ModelCard = { ...defaults };
  if (r.pooling !== undefined) {
    if (r.pooling !== "cls" && r.pooling !== "mean" && r.pooling !== "last")
      throw bad("pooling", "must be cls, mean or last");
    card.pooling = r.pooling;
  }
  if (r.max_length !== undefined) {
    if (!isPositiveInt(r.max_length)) throw bad("max_length", "must be a positive integer");
    card.max_length = r.max_length;
  }
  for (const field of ["query_template", "default_instruction"] as const) {
    if (r[field] === undefined) continue;
    if (r[field] !== null && typeof r[field] !== "string") throw bad(field, "must be a string or null");
    card[field] = r[field] as string | null;
  }
  if (card.query_template !== null && !card.query_template.includes("{text}")) {
    throw bad("query_template", "must contain {text}");
  }
  if (r.padding_side !== undefined) {
    if (r.padding_side !== "left" && r.padding_side !== "right")
      throw bad("padding_side", "must be left or right");
    card.padding_side = r.padding_side;
  }
  if (r.dim !== undefined) {
    if (!isPositiveInt(r.dim) || r.dim > hidden)
      throw bad("dim", `must be a positive integer ≤ the hidden size ${hidden}`);
    card.dim = r.dim;
  }
  if (r.matryoshka_dims !== undefined) {
    const dims = r.matryoshka_dims;
    if (!Array.isArray(dims) || dims.length === 0 || !dims.every((d) => isPositiveInt(d) && d <= hidden)) {
      throw bad(
        "matryoshka_dims",
        `must be a non-empty list of positive integers ≤ the hidden size ${hidden}`,
      );
    }
    card.matryoshka_dims = [...(dims as number[])].sort((a, b) => a - b);
  }
  return card;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}

/** The card beside a checkpoint, or the family defaults when there is no care.json. */
export function loadCard(dir: string, family: Family, config: Record<string, unknown>): ModelCard {
  const defaults = defaultCard(family, config);
  const file = join(dir, CARD_FILE);
  if (!existsSync(file)) return defaults;
  return parseCard(readJsonFile(file, "model card"), defaults, file, defaults.dim);
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
    throw new CareError(`dim ${requested} must be a positive integer ≤ the hidden size ${hidden}`);
  }
  if (card.matryoshka_dims && !card.matryoshka_dims.includes(requested) && requested !== hidden) {
    throw new CareError(
      `dim ${requested} is not one of the model's Matryoshka widths ${card.matryoshka_dims.join(", ")}`,
    );
  }
  return requested;
}
