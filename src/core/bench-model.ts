import type { Doc } from "./doc.js";
import type { EncodingSettings, TaskHint } from "./embedder.js";
import type { Query } from "./task.js";

/** Where a long model call reports how many texts it has processed (util/progress's Progress meets it). */
export interface ProgressSink {
  tick(n?: number): void;
}

export interface Hit {
  id: string;
  score: number;
}

/**
 * What the evaluators ask of a model. Dense embedders meet it through an adapter; lexical models
 * (BM25, TF-IDF) implement it directly, as MTEB treats BM25 as a search model of its own.
 * `progress`, when given, is ticked once per text the model has processed.
 */
export interface BenchModel {
  readonly name: string;
  /**
   * For each query, the `topK` best documents of the corpus (all of them when the corpus is smaller),
   * best first. A shorter list is taken as the model's whole ranking: a query with no documents scores
   * 0, and a saved TREC run cannot list it, so plain trec_eval (without -c) would skip that query.
   */
  retrieve(
    queries: Query[],
    corpus: Doc[],
    topK: number,
    task: TaskHint,
    progress?: ProgressSink,
  ): Promise<Hit[][]>;
  /** For each query, one score per candidate document, in the candidates' order. */
  scoreCandidates(
    queries: Query[],
    candidates: Doc[][],
    task: TaskHint,
    progress?: ProgressSink,
  ): Promise<number[][]>;
  /** Cosine-style similarity of each pair (STS). */
  similarity(a: string[], b: string[], task: TaskHint, progress?: ProgressSink): Promise<number[]>;
  /** One vector per text (clustering). */
  vectors(texts: string[], task: TaskHint, progress?: ProgressSink): Promise<Float32Array[]>;
  /** Identity of each side (Embedder.describe), recorded in result files; absent for lexical models. */
  describe?(): { query: Record<string, unknown>; document: Record<string, unknown> };
  /** Embedder.encoding, recorded in result files; absent for lexical models. */
  encoding?(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings };
  close?(): Promise<void>;
}
