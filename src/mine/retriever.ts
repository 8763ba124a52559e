import type { Hit } from "../core/bench-model.js";
import type { Doc } from "../core/doc.js";
import type { Embedder, TaskHint } from "../core/embedder.js";
import { loadEmbedder } from "../embed/load.js";
import { parseSpec } from "../core/spec.js";
import { exactTopK, type PackedRows } from "../store/exact.js";
import { Bm25Search } from "../lexical/bm25-search.js";
import { Progress } from "../util/progress.js";

/** A query as mining asks it: the text and, for instruction-following encoders, its row's instruction. */
export interface MineQuery {
  text: string;
  instruction?: string;
}

/**
 * A retriever over one fixed corpus, indexed once and then asked any number of query batches: what
 * streaming mining needs. (A BenchModel's `retrieve` takes the corpus with every call, and would
 * re-index or re-encode it per batch.) Memory is the corpus and its index; queries stream through.
 */
export interface CorpusRetriever {
  readonly name: string;
  /** For each query, the `k` best documents, best first. */
  search(queries: readonly MineQuery[], k: number): Promise<Hit[][]>;
  close(): Promise<void>;
}

export interface OpenRetrieverOptions {
  /** Texts per encoder call for dense models. */
  batchSize?: number;
  /** Show corpus indexing progress on stderr. */
  progress?: boolean;
}

/** Opens `spec` (bm25 or any dense spec) over `corpus`, indexing or encoding it now. */
export async function openCorpusRetriever(
  spec: string,
  corpus: readonly Doc[],
  options: OpenRetrieverOptions = {},
): Promise<CorpusRetriever> {
  const parsed = parseSpec(spec);
  const progress = options.progress
    ? new Progress(`index corpus · ${spec}`, corpus.length, "docs")
    : undefined;
  if (parsed.kind === "bm25") return bm25Retriever(corpus, progress);
  const embedder = await loadEmbedder(parsed);
  try {
    return await denseRetriever(embedder, corpus, Math.max(1, options.batchSize ?? 32), progress);
  } catch (e) {
    await embedder.close?.();
    throw e;
  }
}

function bm25Retriever(corpus: readonly Doc[], progress?: Progress): CorpusRetriever {
  const index = Bm25Search.build(corpus, undefined, progress);
  progress?.finish();
  return {
    name: "bm25",
    async search(queries, k) {
      return queries.map((q) => index.search(q.text, k, false));
    },
    async close() {},
  };
}

const MINE_HINT: TaskHint = { name: "mine", type: "retrieval" };

async function denseRetriever(
  embedder: Embedder,
  corpus: readonly Doc[],
  batchSize: number,
  progress?: Progress,
): Promise<CorpusRetriever> {
  let packed: PackedRows | undefined;
  for (let i = 0; i < corpus.length; i += batchSize) {
    const rows = await embedder.encodeCorpus(corpus.slice(i, i + batchSize), MINE_HINT);
    packed ??= {
      data: new Float32Array(corpus.length * rows[0].length),
      rows: corpus.length,
      dim: rows[0].length,
    };
    rows.forEach((r, j) => packed!.data.set(r, (i + j) * packed!.dim));
    progress?.tick(rows.length);
  }
  progress?.finish();
  const ids = corpus.map((d) => d.id);
  return {
    name: embedder.name,
    async search(queries, k) {
      // Rows of one batch may carry different instructions; each instruction is one encoder call.
      const byInstruction = new Map<string | undefined, number[]>();
      queries.forEach((q, i) => {
        const list = byInstruction.get(q.instruction) ?? [];
        list.push(i);
        byInstruction.set(q.instruction, list);
      });
      const out: Hit[][] = new Array<Hit[]>(queries.length);
      for (const [instruction, idx] of byInstruction) {
        for (let i = 0; i < idx.length; i += batchSize) {
          const part = idx.slice(i, i + batchSize);
          const vecs = await embedder.encodeQueries(
            part.map((j) => queries[j].text),
            { ...MINE_HINT, queryInstruction: instruction },
          );
          exactTopK(vecs, packed!, ids, k).forEach((hits, j) => (out[part[j]] = hits));
        }
      }
      return out;
    },
    close: async () => embedder.close?.(),
  };
}
