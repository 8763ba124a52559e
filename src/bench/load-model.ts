import { loadEmbedder } from "../embed/load.js";
import { parseSpec } from "../core/spec.js";
import { denseModel } from "./dense-model.js";
import type { BenchModel } from "../core/bench-model.js";

export interface LoadBenchModelOptions {
  /** Texts per encoder call for dense models. */
  batchSize?: number;
}

/**
 * The model a spec names, as the evaluators see it: bm25 is a search model of its own, hybrid fuses it
 * with the dense model it names, the rest are dense.
 */
export async function loadBenchModel(spec: string, options: LoadBenchModelOptions = {}): Promise<BenchModel> {
  const parsed = parseSpec(spec);
  if (parsed.kind === "bm25") return (await import("../lexical/bm25.js")).createBm25Model();
  if (parsed.kind === "hybrid") {
    // Imported here, as BM25 is: jieba (a native addon) loads only when a lexical model is asked for.
    const { hybridModel } = await import("./hybrid-model.js");
    return hybridModel(
      denseModel(await loadEmbedder(parsed.dense), { batchSize: options.batchSize }),
      parsed.fusion,
    );
  }
  return denseModel(await loadEmbedder(parsed), { batchSize: options.batchSize });
}
