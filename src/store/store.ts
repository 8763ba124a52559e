import type { Doc } from "../core/doc.js";
import { CareError } from "../core/errors.js";
import type { Fields, Filter } from "./filter.js";
import type { IndexManifest } from "./manifest.js";

/** A document as a store keeps it: a corpus row with its metadata fields. */
export interface StoreDoc extends Doc {
  fields?: Fields;
}

export interface SearchHit extends StoreDoc {
  score: number;
}

export type SearchMode = "ann" | "exact";

/**
 * The vector store both backends implement: the embedded folder (usearch HNSW + SQLite) and
 * PostgreSQL + pgvector. Safe to share between concurrent requests; writes are visible to the next
 * search of every process reading the same store, without a rebuild.
 */
export interface VectorStore {
  /** The folder, or the database URL without its password. */
  readonly location: string;
  readonly backend: "embedded" | "postgres";
  readonly manifest: IndexManifest;
  readonly mode: SearchMode;
  count(): Promise<number>;
  /** The `k` stored documents most similar to a unit query vector that pass `filter`, best first. */
  search(query: Float32Array, k: number, filter?: Filter): Promise<SearchHit[]>;
  /** Ids of these that are stored (a build skips them before encoding). */
  existing(ids: string[]): Promise<Set<string>>;
  /** Stores documents whose id is new, all or none; an id already stored is left as it is. */
  add(docs: StoreDoc[], vectors: Float32Array[]): Promise<number>;
  /** Stores documents, replacing any stored under the same id, all or none. */
  upsert(docs: StoreDoc[], vectors: Float32Array[]): Promise<void>;
  /** Removes documents by id; returns how many were stored. */
  delete(ids: string[]): Promise<number>;
  close(): Promise<void>;
}

/** The store cannot be reached (the database is down or restarting): a 503, not a bad request. */
export class StoreUnavailable extends CareError {}

/** Checks vectors before they are stored: a wrong width or a NaN would corrupt every later search. */
export function checkVectors(docs: readonly Doc[], vectors: readonly Float32Array[], dim: number): void {
  if (docs.length !== vectors.length)
    throw new CareError(`${docs.length} documents but ${vectors.length} vectors`);
  vectors.forEach((v, i) => {
    if (v.length !== dim)
      throw new CareError(`document "${docs[i].id}": the vector has ${v.length} dimensions, expected ${dim}`);
    for (let j = 0; j < v.length; j++)
      if (!Number.isFinite(v[j]))
        throw new CareError(`document "${docs[i].id}": the vector has a non-finite value`);
  });
}

export function checkQuery(query: Float32Array, dim: number): void {
  if (query.length !== dim)
    throw new CareError(`query vector has ${query.length} dimensions; the index has ${dim}`);
}
