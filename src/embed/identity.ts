/**
 * Model identity: what care records of an encoder to recognise the same weights again. An index
 * stores it for both sides (and refuses another document encoder on resume, or a query encoder of
 * another space), Stage I's document-embedding cache names its folder by it, and the model-file cache
 * keys cached ONNX files by it. Each kind of encoder says what identifies it here; the objects are
 * stored in index manifests, so their fields do not change without a format version.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Embedder } from "../core/embedder.js";
import type { ModelCard } from "../models/card.js";

export type Identity = Record<string, unknown>;

/** What identifying an encoder needs (an Embedder, or one living in a worker thread). */
export type EncoderInfo = Pick<Embedder, "name" | "dim" | "describe">;

export type Side = "query" | "document";

/**
 * A Hugging Face checkpoint folder: the folder, hashes of config.json, the tokenizer and the card, and
 * the weights files' names, sizes and modification times (hashing gigabytes of weights on every start
 * would cost more than the check is worth).
 */
export function checkpointIdentity(
  dir: string,
  weightFiles: readonly string[],
  card: ModelCard,
  quantize: string | undefined,
): Identity {
  const fileHash = (f: string) => (existsSync(f) ? shortSha(readFileSync(f)) : null);
  const stamps = weightFiles.map((f) => {
    const s = statSync(f);
    // The file's name, not the path as given: `hf:./m` and `hf:/abs/m` are the same model.
    return `${basename(f)}:${s.size}:${s.mtimeMs}`;
  });
  return {
    kind: "hf",
    path: resolve(dir),
    config_hash: fileHash(join(dir, "config.json")),
    tokenizer_hash: fileHash(join(dir, "tokenizer.json")),
    card,
    weights_hash: shortSha(stamps.join("\n")),
    weights_bytes: weightFiles.reduce((s, f) => s + statSync(f).size, 0),
    quantize: quantize ?? null,
  };
}

/** A GGUF file: its path and size. */
export function ggufIdentity(file: string, dim: number): Identity {
  return { kind: "gguf", file, bytes: statSync(file).size, dim };
}

/** A remote OpenAI-compatible model: endpoint and model name; the query side adds its template. */
export function openaiIdentity(
  url: string,
  model: string,
  dim: number | undefined,
  queryTemplate: string | undefined,
): Record<Side, Identity> {
  const side = { kind: "openai", url, model, dim };
  return { query: { ...side, queryTemplate: queryTemplate ?? null }, document: side };
}

/** One side of an encoder as recorded: what it describes, or its name and width when it cannot. */
export function encoderIdentity(encoder: EncoderInfo, side: Side): Identity {
  return encoder.describe?.()[side] ?? { name: encoder.name, dim: encoder.dim };
}

/** Equality independent of key order, since identities are built as plain objects freely. */
export function sameIdentity(a: Identity, b: Identity): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A hex SHA-256 of the identity, equal for equal identities whatever their key order. */
export function identityKey(identity: Identity): string {
  return createHash("sha256").update(canonicalJson(identity)).digest("hex");
}

/** JSON with object keys sorted and undefined fields left out. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function shortSha(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}
