import { CareError } from "../util/errors.js";
import type { Embedder } from "./embedder.js";
import { parseSpec, type ModelSpec } from "./spec.js";

export interface LoadOptions {
  /** Threads for in-process backends. */
  threads?: number;
}

/**
 * Opens the dense embedder a spec names. Backends are imported lazily so that, say, a BM25 run never
 * loads ONNX Runtime. Each backend module adds its case here.
 */
export async function loadEmbedder(spec: string | ModelSpec, options: LoadOptions = {}): Promise<Embedder> {
  const parsed = typeof spec === "string" ? parseSpec(spec) : spec;
  switch (parsed.kind) {
    case "hf": {
      const { HfEmbedder } = await import("./hf.js");
      return HfEmbedder.open(parsed.dir, { threads: options.threads });
    }
    case "care": {
      const { CareEmbedder } = await import("./care.js");
      return CareEmbedder.open(parsed.queryDir, parsed.docDir, {
        threads: options.threads,
      });
    }
    case "gguf": {
      const { GgufEmbedder } = await import("./gguf.js");
      return GgufEmbedder.open(parsed.file, { threads: options.threads });
    }
    case "openai": {
      const { OpenAIEmbedder } = await import("./openai.js");
      return new OpenAIEmbedder({ baseUrl: parsed.baseUrl, model: parsed.model });
    }
    default:
      throw new CareError(`model kind "${parsed.kind}" is not a dense embedder`);
  }
}
