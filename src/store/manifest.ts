import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  canonicalJson,
  encoderIdentity,
  sameIdentity,
  type EncoderInfo,
  type Side,
} from "../embed/identity.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { displayLocation, isPostgresUrl } from "./location.js";

export const MANIFEST_FILE = "index.json";
/** 2: vectors moved out of the text table of docs.sqlite (version 1 kept them in one table). */
export const MANIFEST_VERSION = 2;

/** How the ANN graph stores its vectors; the float rows in the document store are always f32. */
export type Quantization = "f32" | "f16" | "i8";
export const QUANTIZATIONS: readonly Quantization[] = ["f32", "f16", "i8"];

/** One side of a model as the index remembers it: enough to recognise the same weights again. */
export interface ModelIdentity {
  /** The embedder's name, e.g. the spec string that opened it. */
  name: string;
  dim: number;
  /** `Embedder.describe()` for this side: path, weights hash, width, pooling... */
  identity: Record<string, unknown>;
}

/** A corpus that went into the index; `complete` once every one of its documents is stored. */
export interface CorpusSource {
  path: string;
  complete: boolean;
}

/** `index.json`: what built the index and how to read it. The counts live in the document store. */
export interface IndexManifest {
  version: number;
  dim: number;
  metric: "cos";
  quantization: Quantization;
  hnsw: { connectivity: number; expansionAdd: number; expansionSearch: number };
  document: ModelIdentity;
  /** The query side the document encoder pairs with (a CARE pair's small encoder, or the model itself). */
  query: ModelIdentity;
  /** Task whose instruction queries get by default (set when the corpus came from a task folder). */
  task?: { name: string; queryInstruction?: string };
  sources: CorpusSource[];
  created: string;
  updated: string;
}

/** Both sides of an encoder as an index records them. */
export function identities(encoder: EncoderInfo): { query: ModelIdentity; document: ModelIdentity } {
  const side = (side: Side): ModelIdentity => ({
    name: encoder.name,
    dim: encoder.dim,
    identity: encoderIdentity(encoder, side),
  });
  return { query: side("query"), document: side("document") };
}

/**
 * Refuses a document encoder other than the one that built the index (resume, --append): vectors of
 * two models in one index would be silently incomparable.
 */
export function checkDocumentEncoder(manifest: IndexManifest, embedder: EncoderInfo, location: string): void {
  const ids = identities(embedder);
  if (embedder.dim !== manifest.dim || !sameIdentity(ids.document.identity, manifest.document.identity)) {
    throw new CareError(
      `document encoder mismatch: the index was built by ${describeSide(manifest.document)}, ` +
        `but ${describeSide(ids.document)} was given; rebuild into a new --out folder to change models`,
      manifestWhere(location),
    );
  }
}

/**
 * Refuses a query encoder that does not share the index's space. Accepted: the query side the document
 * encoder pairs with, or the document model itself (symmetric search), at the index's width.
 */
export function checkQueryEncoder(manifest: IndexManifest, embedder: EncoderInfo, location: string): void {
  const ids = identities(embedder);
  const pairs =
    sameIdentity(ids.query.identity, manifest.query.identity) ||
    sameIdentity(ids.query.identity, manifest.document.identity);
  if (embedder.dim !== manifest.dim || !pairs) {
    throw new CareError(
      `query encoder mismatch: ${describeSide(ids.query)} does not encode into this index's space; ` +
        `it was built by ${describeSide(manifest.document)} whose query side is ${describeSide(manifest.query)}`,
      manifestWhere(location),
    );
  }
}

function describeSide(m: ModelIdentity): string {
  return `"${m.name}" (dim ${m.dim}, ${canonicalJson(m.identity)})`;
}

/** What an error about an index's manifest names: its index.json, or the database. */
export function manifestWhere(location: string): string {
  return isPostgresUrl(location) ? displayLocation(location) : manifestPath(location);
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}

export function readManifest(dir: string): IndexManifest | undefined {
  const file = manifestPath(dir);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new CareError(`malformed JSON: ${(e as Error).message}`, file);
  }
  const m = raw as Partial<IndexManifest>;
  if (!m || typeof m !== "object" || typeof m.version !== "number")
    throw new CareError(`not a care index manifest (expected "version": ${MANIFEST_VERSION})`, file);
  if (m.version !== MANIFEST_VERSION)
    throw new CareError(
      `index format version ${m.version}; this care reads version ${MANIFEST_VERSION}: rebuild the index with care index`,
      file,
    );
  for (const field of ["dim", "quantization", "hnsw", "document", "query", "sources"] as const) {
    if (m[field] === undefined) throw new CareError(`field "${field}" is missing`, file);
  }
  if (!QUANTIZATIONS.includes(m.quantization!))
    throw new CareError(`field "quantization" must be one of ${QUANTIZATIONS.join(", ")}`, file);
  return m as IndexManifest;
}

export function writeManifest(dir: string, manifest: IndexManifest): void {
  writeFileAtomic(manifestPath(dir), JSON.stringify(manifest, null, 2) + "\n");
}
