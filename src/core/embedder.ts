import type { Doc } from "./doc.js";

/** What an embedder needs to know about the task it encodes for (the query side takes its instruction). */
export interface TaskHint {
  name: string;
  type: "retrieval" | "reranking" | "sts" | "clustering";
  /** Instruction prepended to queries by instruction-following encoders; undefined means the model's default. */
  queryInstruction?: string;
}

/**
 * How one side turns a text into a vector for a task, as a result file records it: the prompt with
 * `{text}` where the input goes (a document's title and body are joined first), the longest input in
 * tokens (null where a remote service decides), the pooling (null where unknown) and the output width.
 */
export interface EncodingSettings {
  prompt: string;
  max_length: number | null;
  pooling: string | null;
  dim: number;
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
  /** What each side does to a text for `task` (resolved instruction, length cut, pooling, width). */
  encoding?(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings };
  close?(): Promise<void>;
}
