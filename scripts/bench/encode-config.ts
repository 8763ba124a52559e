/** What the `bench:encode` parent hands each measuring child process, and what the child hands back. */

/** Bumped when ConfigResult changes, so that --resume never reuses a result of another layout. */
export const RESULT_VERSION = 3;
import type { TinyShape } from "../../src/models/make-tiny.js";
import type { LatencySummary } from "./stats.js";

export type Engine = "onnx" | "gguf" | "transformers.js";
export type Precision = "fp32" | "int8" | "f16" | "q8_0";

/** How much work a configuration is timed on; the parent picks it from --quick and the model's size. */
export interface Workload {
  seed: number;
  warmupQueries: number;
  /** Timed single-query calls, unless the time budget runs out first (but never fewer than minQueries). */
  queries: number;
  minQueries: number;
  queryBudgetS: number;
  queryMinChars: number;
  queryMaxChars: number;
  /** A fixed query of this many characters timed on its own (the 16-token target); null: none. */
  probeChars: number | null;
  probeRuns: number;
  docBatchSize: number;
  /** Tokens per document, special tokens included. */
  docTokens: number;
  /** Timed document batches, unless the budget runs out first (at least one is always timed). */
  docBatches: number;
  docBudgetS: number;
}

export interface EncodeConfig {
  id: string;
  shape: TinyShape;
  engine: Engine;
  precision: Precision;
  /** Checkpoint folder (onnx, transformers.js) or GGUF file. */
  model: string;
  threads: number;
  /** Longest input the engine is set up for (llama.cpp sizes its context by it). */
  maxTokens: number;
  workload: Workload;
  /** Only open and close the model (first-time ONNX export happens outside any timing). */
  prepare?: boolean;
}

export interface DocThroughput {
  batches: number;
  batch_size: number;
  tokens_per_doc: number;
  seconds_per_batch: number[];
  docs_per_s: number;
  tokens_per_s: number;
  /** CPU time of the whole process per batch, and documents per CPU-second (less sensitive to load). */
  cpu_seconds_per_batch: number[];
  docs_per_cpu_s: number;
}

export interface ConfigResult {
  id: string;
  shape: TinyShape;
  engine: Engine;
  precision: Precision;
  threads: number;
  load_s: number;
  /** cpu_p50_ms: median CPU time of the process (all threads) per call. */
  query: LatencySummary & { cpu_p50_ms: number; mean_tokens: number; min_tokens: number; max_tokens: number };
  probe: (LatencySummary & { cpu_p50_ms: number; tokens: number }) | null;
  docs: DocThroughput;
  rss_mb: { before_load: number; after_load: number; peak: number };
  loadavg: { start: number[]; end: number[] };
  /** When the configuration finished (ISO time): the machine's speed drifts by the hour. */
  measured_at: string;
  /** Embeddings of the timed queries and of the first document batch, base64 float32 rows, for agreement. */
  vectors: { dim: number; queries: string; docs: string };
}

export function packRows(rows: readonly Float32Array[]): string {
  const dim = rows[0]?.length ?? 0;
  const flat = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => flat.set(r, i * dim));
  return Buffer.from(flat.buffer).toString("base64");
}

export function unpackRows(packed: string, dim: number): Float32Array[] {
  const buf = Buffer.from(packed, "base64");
  const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (dim <= 0 || flat.length % dim !== 0)
    throw new Error(`packed rows: ${flat.length} values do not split into rows of ${dim}`);
  return Array.from({ length: flat.length / dim }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
}
