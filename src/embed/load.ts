import { CareError } from "../core/errors.js";
import type { Embedder } from "../core/embedder.js";
import { parseSpec, type ModelSpec } from "../core/spec.js";
import { checkpointDir } from "../hub/pull.js";
import type { CareEmbedder } from "./care.js";
import type { HfOptions } from "./hf.js";

export interface LoadOptions {
  /** Threads for in-process backends. */
  threads?: number;
}

/**
 * Opens the dense embedder a spec names. A checkpoint named by a Hub id (`hf:<org>/<name>[@<rev>]`)
 * is pulled into the Hugging Face cache first, here and nowhere else (see hub/pull.ts). Backends are
 * imported lazily so that, say, a BM25 run never loads ONNX Runtime. Each backend module adds its case
 * here.
 */
export async function loadEmbedder(spec: string | ModelSpec, options: LoadOptions = {}): Promise<Embedder> {
  const parsed = typeof spec === "string" ? parseSpec(spec) : spec;
  switch (parsed.kind) {
    case "hf": {
      const { HfEmbedder } = await import("./hf.js");
      return HfEmbedder.open(await checkpointDir(parsed.dir), { threads: options.threads, name: parsed.dir });
    }
    case "care":
      return openCareEmbedder(parsed.queryDir, parsed.docDir, { threads: options.threads });
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

/** Spec schemes a CARE document side may use instead of a plain checkpoint folder. */
const DOC_SCHEMES = ["hf:", "gguf:", "openai:"];

/**
 * Opens a CARE pair: the query side is always a checkpoint folder; the document side is a folder or any
 * dense spec (`gguf:<file>`, `openai:...`). Whatever opened is closed again if the pair is refused.
 */
export async function openCareEmbedder(
  queryDir: string,
  docSide: string,
  hf: HfOptions = {},
): Promise<CareEmbedder> {
  const { HfEmbedder } = await import("./hf.js");
  const { CareEmbedder } = await import("./care.js");
  const query = await HfEmbedder.open(await checkpointDir(queryDir), { ...hf, name: queryDir });
  try {
    const document = DOC_SCHEMES.some((s) => docSide.startsWith(s))
      ? await loadEmbedder(parseSpec(docSide), { threads: hf.threads })
      : await HfEmbedder.open(await checkpointDir(docSide), { ...hf, dim: undefined, name: docSide });
    try {
      return new CareEmbedder(query, document);
    } catch (e) {
      await document.close?.();
      throw e;
    }
  } catch (e) {
    await query.close();
    throw e;
  }
}
