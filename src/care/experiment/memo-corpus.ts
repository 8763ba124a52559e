import { docText, type Doc } from "../../core/doc.js";
import type { Embedder } from "../../core/embedder.js";

/**
 * The embedder with its document side remembered by text for its lifetime: tasks that share a corpus
 * (CMedIR's retrieval and reranking tasks) encode each document once per model. Document encoding has
 * no task-dependent part, so a document's vector is the same whichever task asks. Embedders whose
 * document side is the same model (CARE pairs that kept the document encoder frozen) may pass one
 * `seen` map, so that side is encoded once for all of them.
 */
export function memoCorpus(e: Embedder, seen = new Map<string, Float32Array>()): Embedder {
  return {
    name: e.name,
    dim: e.dim,
    encodeQueries: (texts, task) => e.encodeQueries(texts, task),
    async encodeCorpus(docs: Doc[], task) {
      const missing = [...new Set(docs.map(docText).filter((t) => !seen.has(t)))];
      if (missing.length) {
        const rows = await e.encodeCorpus(
          missing.map((text, i) => ({ id: String(i), text })),
          task,
        );
        missing.forEach((t, i) => seen.set(t, rows[i]));
      }
      return docs.map((d) => seen.get(docText(d))!);
    },
    describe: e.describe ? () => e.describe!() : undefined,
    close: e.close ? () => e.close!() : undefined,
  };
}
