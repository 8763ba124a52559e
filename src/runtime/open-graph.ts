/**
 * Graph → running session. Small models go to ONNX Runtime as in-memory bytes; larger ones are
 * streamed tensor by tensor into a temporary model + external-data pair that ORT loads from disk, so
 * the process never holds the weights twice (graph thunks read each tensor only while writing it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Graph } from "../graph/ir.js";
import { saveModel, toOnnxBytes, weightBytes } from "../graph/onnx.js";
import { Session, type SessionOptions } from "./session.js";

/** Above this many weight bytes the model goes through a temporary file rather than memory. */
export const IN_MEMORY_LIMIT = 512 * 1024 * 1024;

export interface OpenGraphOptions extends SessionOptions {
  /** Weight bytes above which a temporary external-data model is written (default 512 MiB). */
  inMemoryLimit?: number;
  /** Where the temporary model goes (default the OS temp dir); it is deleted once ORT has loaded it. */
  tempDir?: string;
}

export async function openGraph(graph: Graph, options: OpenGraphOptions = {}): Promise<Session> {
  const limit = options.inMemoryLimit ?? IN_MEMORY_LIMIT;
  if (weightBytes(graph) <= limit) return Session.create(toOnnxBytes(graph), options);
  const dir = mkdtempSync(join(options.tempDir ?? tmpdir(), "care-model-"));
  try {
    const file = join(dir, "model.onnx");
    saveModel(graph, file, { externalDataThreshold: 0 });
    return await Session.create(file, options);
  } finally {
    // ORT has read or mapped the data by now; on POSIX a mapping outlives the unlinked file.
    rmSync(dir, { recursive: true, force: true });
  }
}
