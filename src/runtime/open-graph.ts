/**
 * Graph → running session: the one way care hands a graph to ONNX Runtime (embedders, training steps,
 * the library's `openGraph`).
 *
 * Graphs with few weights go to ORT as in-memory bytes. Larger ones are opened from an ONNX file whose
 * weights lie beside it as external data, which ORT maps rather than copies, so the process never holds
 * the weights twice. The file is written once into a cache keyed by what the weights are and by the
 * graph's fingerprint: the next open of the same model skips the write, and a version of care that
 * builds another graph never runs a stale file.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Graph } from "../graph/ir.js";
import { saveModel, toOnnxBytes, weightBytes } from "../graph/onnx.js";
import { Session, type SessionOptions } from "./session.js";

/**
 * Weight bytes up to which a graph is opened from memory. Measured by `tsx scripts/bench-open.ts`
 * (BERT encoders, peak RSS from memory / cached file): 3 MB of weights 125 / 120 MB, 12 MB 159 / 120,
 * 27 MB 218 / 132, 59 MB 325 / 151, bert-base (388 MB) 1525 / 456; a warm file open was also the
 * faster one at every size. Below about 16 MiB the memory saved is small and the first open's write
 * costs more time than it saves.
 */
const IN_MEMORY_WEIGHTS = 16 * 1024 * 1024;

export interface OpenGraphOptions extends SessionOptions {
  /** Weight bytes above which the graph is opened from the file cache (default IN_MEMORY_WEIGHTS). */
  inMemoryWeights?: number;
  /**
   * A stable name of the weights (e.g. the hash of a checkpoint's identity). Without one the weights
   * themselves are hashed, which reads every tensor once more before the file is written.
   */
  weightsKey?: string;
  /** Where cached model files go (default $CARE_CACHE_DIR, else <tmp>/care-cache). */
  cacheDir?: string;
}

export async function openGraph(graph: Graph, options: OpenGraphOptions = {}): Promise<Session> {
  if (weightBytes(graph) <= (options.inMemoryWeights ?? IN_MEMORY_WEIGHTS))
    return Session.create(toOnnxBytes(graph), options);
  return Session.create(cachedModelFile(graph, options), options);
}

/** The cache root: $CARE_CACHE_DIR, else <tmp>/care-cache. */
function defaultCacheDir(): string {
  return process.env.CARE_CACHE_DIR ?? join(tmpdir(), "care-cache");
}

/** The cached external-data model of `graph`, written on first use (saveModel writes atomically). */
function cachedModelFile(graph: Graph, options: OpenGraphOptions): string {
  const key = createHash("sha256")
    .update(options.weightsKey ?? weightsHash(graph))
    .update(graphFingerprint(graph))
    .digest("hex")
    .slice(0, 24);
  const dir = join(options.cacheDir ?? defaultCacheDir(), "onnx", key);
  const file = join(dir, "model.onnx");
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    saveModel(graph, file, { externalDataThreshold: 0 });
  }
  return file;
}

/**
 * What the file depends on besides the weights: nodes, attributes, tensor names and shapes, and the
 * values of small constants such as scales (which no checkpoint name covers).
 */
function graphFingerprint(graph: Graph): string {
  const h = createHash("sha256");
  for (const n of graph.nodes)
    h.update(
      JSON.stringify([
        n.op,
        n.domain,
        n.inputs.map((v) => v?.name ?? ""),
        n.outputs.map((v) => v.name),
        n.attrs,
      ]),
    );
  for (const [name, init] of graph.initializers) {
    h.update(JSON.stringify([name, init.value.dtype, init.value.shape]));
    if (typeof init.data !== "function" && init.data.byteLength <= 65536)
      h.update(new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
  }
  h.update(JSON.stringify(graph.inputs.map((v) => [v.name, v.dtype, v.shape])));
  h.update(JSON.stringify(graph.outputs.map((v) => v.name)));
  return h.digest("hex");
}

/** Every initializer's bytes, read one at a time (a lazy tensor is dropped once hashed). */
function weightsHash(graph: Graph): string {
  const h = createHash("sha256");
  for (const [name, init] of graph.initializers) {
    const data = typeof init.data === "function" ? init.data() : init.data;
    h.update(name).update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest("hex");
}
