import type { TaskHint } from "../core/embedder.js";
import { CareError } from "../core/errors.js";
import type { Fusion } from "../core/spec.js";
import type { Bm25Side } from "../lexical/bm25-side.js";
import { fuseRankings } from "../lexical/fusion.js";
import type { VectorIndex } from "../store/open.js";

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
}

export interface Retrieval {
  hits: RetrievedHit[];
  /** Milliseconds spent encoding the query (with any wait for the encoder), then searching. */
  encodeMs: number;
  searchMs: number;
}

export type Retrieve = (query: string, k: number, task: TaskHint | undefined) => Promise<Retrieval>;

/**
 * The search behind /search. `encode` turns a query into its vector (the server's encoder queue);
 * `bm25` is the index's BM25 side, needed by the bm25 and hybrid retrievers.
 */
export function createRetriever(
  kind: RetrieverKind,
  index: VectorIndex,
  bm25: Bm25Side | undefined,
  encode: (text: string, task: TaskHint | undefined) => Promise<Float32Array>,
  fusion: Fusion,
): Retrieve {
  if (kind !== "dense" && !bm25) throw new CareError(`the ${kind} retriever needs the index's BM25 side`);
  const documents = (ranked: { id: string; score: number; key: number }[]): RetrievedHit[] => {
    const docs = index.documents(ranked.map((h) => h.key));
    return docs.map((d, i) => ({ id: d.id, score: ranked[i].score, title: d.title ?? null, text: d.text }));
  };
  return async (query, k, task) => {
    const t0 = performance.now();
    if (kind === "bm25") {
      const hits = documents(bm25!.search(query, k));
      return { hits, encodeMs: 0, searchMs: performance.now() - t0 };
    }
    const vector = await encode(query, task);
    const t1 = performance.now();
    if (kind === "dense") {
      const hits = index.search(vector, k).map((h) => ({
        id: h.id,
        score: h.score,
        title: h.title ?? null,
        text: h.text,
      }));
      return { hits, encodeMs: t1 - t0, searchMs: performance.now() - t1 };
    }
    const depth = Math.max(k, HYBRID_DEPTH);
    const dense = index.search(vector, depth);
    const lexical = bm25!.search(query, depth);
    const keyOf = new Map<string, number>();
    for (const h of [...dense, ...lexical]) keyOf.set(h.id, h.key);
    const fused = fuseRankings(lexical, dense, fusion)
      .slice(0, k)
      .map((h) => ({ ...h, key: keyOf.get(h.id)! }));
    return { hits: documents(fused), encodeMs: t1 - t0, searchMs: performance.now() - t1 };
  };
}
