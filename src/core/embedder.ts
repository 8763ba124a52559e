import type { Doc } from "./doc.js";

/** What an embedder needs to know about the task it encodes for (the query side takes its instruction). */
export interface TaskHint {
  name: string;
  type: "retrieval" | "reranking" | "sts" | "clustering";
  /** Instruction prepended to queries by instruction-following encoders; undefined means the model's default. */
  queryInstruction?: string;
}

/**
 * The one interface every dense model meets, asymmetric by design: the query side and the document
 * side may be different models (CARE: a small online encoder and a large offline one) sharing one space.
 * Rows come back L2-normalised, `dim` wide.
 */
export interface Embedder {
  /** Human-readable description written into result files and indexes, e.g. "care:q-dir,d-dir". */
  readonly name: string;
  readonly dim: number;
  encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]>;
  encodeCorpus(docs: Doc[], task?: TaskHint): Promise<Float32Array[]>;
  /** Identity of each side (model path, weights hash, width), recorded by indexes to refuse mismatches. */
  describe?(): { query: Record<string, unknown>; document: Record<string, unknown> };
  close?(): Promise<void>;
}
