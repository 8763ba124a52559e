import type { TaskHint } from "../core/embedder.js";
import { CareError } from "../core/errors.js";
import type { Fusion } from "../core/spec.js";
import type { Bm25Side } from "../lexical/bm25-side.js";
import { fuseRankings } from "../lexical/fusion.js";
import { EmbeddedStore } from "../store/embedded.js";
import type { Fields, Filter } from "../store/filter.js";
import type { VectorStore } from "../store/store.js";

/** What answers /search: the dense index, the index's BM25 side, or both fused. */
export type RetrieverKind = "dense" | "bm25" | "hybrid";
export const RETRIEVERS: readonly RetrieverKind[] = ["dense", "bm25", "hybrid"];

/**
 * Candidates each side contributes to a hybrid answer, at least. A document the other side ranks first
 * must be in this side's list to gain from it, so the lists go deeper than the hits asked for.
 */
const HYBRID_DEPTH = 100;

export interface RetrievedHit {
  id: string;
  score: number;
  title: string | null;
  text: string;
  fields?: Fields;
}

export interface Retrieval {
  hits: RetrievedHit[];
  /** Milliseconds spent encoding the query (with any wait for the encoder), then searching. */
  encodeMs: number;
  searchMs: number;
}

export type Retrieve = (
  query: string,
  k: number,
  task: TaskHint | undefined,
  filter?: Filter,
) => Promise<Retrieval>;

/**
 * The search behind /search. `encode` turns a query into its vector (the server's encoder queue);
 * `bm25` is the index's BM25 side, needed by the bm25 and hybrid retrievers.
 */
export function createRetriever(
  kind: RetrieverKind,
  index: VectorStore,
  bm25: Bm25Side | undefined,
  encode: (text: string, task: TaskHint | undefined) => Promise<Float32Array>,
  fusion: Fusion,
): Retrieve {
  if (kind !== "dense" && !bm25) throw new CareError(`the ${kind} retriever needs the index's BM25 side`);
  // BM25 keys are rows of an index folder; a key deleted since the BM25 side was built is left out.
  const documents = (ranked: { id: string; score: number; key: number }[]): RetrievedHit[] => {
    const byKey = new Map(
      (index as EmbeddedStore).documents(ranked.map((h) => h.key)).map((d) => [d.key, d]),
    );
    return ranked.flatMap((h) => {
      const d = byKey.get(h.key);
      return d ? [hit(d, h.score)] : [];
    });
  };
  if (kind !== "dense" && !(index instanceof EmbeddedStore))
    throw new CareError(`the ${kind} retriever needs an index folder`);
  return async (query, k, task, filter) => {
    const t0 = performance.now();
    if (kind === "bm25") {
      const hits = documents(bm25!.search(query, k));
      return { hits, encodeMs: 0, searchMs: performance.now() - t0 };
    }
    const vector = await encode(query, task);
    const t1 = performance.now();
    if (kind === "dense") {
      const hits = (await index.search(vector, k, filter)).map((h) => hit(h, h.score));
      return { hits, encodeMs: t1 - t0, searchMs: performance.now() - t1 };
    }
    const depth = Math.max(k, HYBRID_DEPTH);
    const dense = await index.search(vector, depth);
    const lexical = bm25!.search(query, depth);
    const denseById = new Map(dense.map((h) => [h.id, h]));
    const keyOf = new Map(lexical.map((h) => [h.id, h.key]));
    const fused = fuseRankings(lexical, dense, fusion).slice(0, k);
    // Documents the dense side returned come with it; the others are read by their BM25 key.
    const fromLexical = documents(
      fused.filter((h) => !denseById.has(h.id)).map((h) => ({ ...h, key: keyOf.get(h.id)! })),
    );
    const lexicalById = new Map(fromLexical.map((h) => [h.id, h]));
    const hits = fused.flatMap((h) => {
      const d = denseById.get(h.id);
      if (d) return [hit(d, h.score)];
      const l = lexicalById.get(h.id);
      return l ? [{ ...l, score: h.score }] : [];
    });
    return { hits, encodeMs: t1 - t0, searchMs: performance.now() - t1 };
  };
}

function hit(d: { id: string; title?: string; text: string; fields?: Fields }, score: number): RetrievedHit {
  return { id: d.id, score, title: d.title ?? null, text: d.text, ...(d.fields ? { fields: d.fields } : {}) };
}
