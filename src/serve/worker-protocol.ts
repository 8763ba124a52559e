import type { TaskHint } from "../core/embedder.js";

/** Messages between the server and its encoder worker thread. */
export interface WorkerSetup {
  spec: string;
  threads?: number;
}

export type Side = "query" | "document";

export interface WorkerRequest {
  id: number;
  side: Side;
  texts: string[];
  task?: TaskHint;
}

export interface EncoderIdentity {
  name: string;
  dim: number;
  described?: { query: Record<string, unknown>; document: Record<string, unknown> };
}

export type WorkerReply =
  | { type: "ready"; info: EncoderIdentity }
  | { type: "fatal"; message: string }
  | { type: "result"; id: number; vectors: Float32Array[] }
  | { type: "error"; id: number; message: string };
