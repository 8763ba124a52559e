import { CareError } from "../util/errors.js";
import type { Embedder } from "./embedder.js";
import { parseSpec, type ModelSpec } from "./spec.js";

/**
 * Opens the dense embedder a spec names. Each backend registers itself in `loaders` (one entry per
 * spec kind), so the model engine can add kinds without this file knowing its internals.
 */
export type EmbedderLoader = (spec: ModelSpec, options: LoadOptions) => Promise<Embedder>;

export interface LoadOptions {
  /** Threads for in-process backends. */
  threads?: number;
}

const loaders = new Map<ModelSpec["kind"], EmbedderLoader>();

export function registerEmbedderLoader(kind: ModelSpec["kind"], loader: EmbedderLoader): void {
  loaders.set(kind, loader);
}

export async function loadEmbedder(spec: string | ModelSpec, options: LoadOptions = {}): Promise<Embedder> {
  const parsed = typeof spec === "string" ? parseSpec(spec) : spec;
  const loader = loaders.get(parsed.kind);
  if (!loader) {
    throw new CareError(
      `model kind "${parsed.kind}" is not a dense embedder available here (available: ${[...loaders.keys()].join(", ") || "none"})`,
    );
  }
  return loader(parsed, options);
}
