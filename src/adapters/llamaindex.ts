import { BaseEmbedding } from "@llamaindex/core/embeddings";
import type { MessageContentDetail } from "@llamaindex/core/llms";
import type { QueryBundle } from "@llamaindex/core/query-engine";
import { BaseRetriever } from "@llamaindex/core/retriever";
import { TextNode, type NodeWithScore } from "@llamaindex/core/schema";
import { extractText } from "@llamaindex/core/utils";
import type { Embedder, TaskHint } from "../core/embedder.js";
import { loadEmbedder, type LoadOptions } from "../embed/load.js";
import { openIndex, type OpenIndexOptions } from "../store/open.js";
import type { VectorStore } from "../store/store.js";
import { indexTask, search } from "../store/search.js";

/**
 * LlamaIndex.TS adapters (`care-retrieval/llamaindex`; `@llamaindex/core`, which `llamaindex` brings,
 * is an optional peer dependency). The embedding is asymmetric: queries go through the query encoder
 * with the task's instruction, texts (documents) through the document encoder.
 */
export class CareEmbedding extends BaseEmbedding {
  constructor(
    readonly embedder: Embedder,
    readonly task?: TaskHint,
  ) {
    super();
    this.getTextEmbeddings = async (texts: string[]) => {
      const docs = texts.map((text, i) => ({ id: String(i), text }));
      return (await this.embedder.encodeCorpus(docs, this.task)).map((v) => Array.from(v));
    };
  }

  static async fromSpec(spec: string, task?: TaskHint, options: LoadOptions = {}): Promise<CareEmbedding> {
    return new CareEmbedding(await loadEmbedder(spec, options), task);
  }

  async getTextEmbedding(text: string): Promise<number[]> {
    const [v] = await this.getTextEmbeddings([text]);
    return v;
  }

  override async getQueryEmbedding(query: MessageContentDetail): Promise<number[] | null> {
    const text = extractText([query]);
    if (!text) return null;
    const [v] = await this.embedder.encodeQueries([text], this.task);
    return Array.from(v);
  }

  async close(): Promise<void> {
    await this.embedder.close?.();
  }
}

/**
 * A LlamaIndex retriever over an index `care index` built: each hit is a TextNode (id, text, title in
 * the metadata) with the index's score. Plug it into a RetrieverQueryEngine or a ContextChatEngine.
 */
export class CareRetriever extends BaseRetriever {
  constructor(
    readonly index: VectorStore,
    readonly embedder: Embedder,
    readonly options: { topK?: number; task?: TaskHint } = {},
  ) {
    super();
  }

  /** Opens an index folder with the query encoder given as an embedder or a model spec. */
  static async open(
    dir: string,
    query: string | Embedder,
    options: { topK?: number; task?: TaskHint } & OpenIndexOptions & LoadOptions = {},
  ): Promise<CareRetriever> {
    const index = await openIndex(dir, options);
    const embedder = typeof query === "string" ? await loadEmbedder(query, options) : query;
    return new CareRetriever(index, embedder, { topK: options.topK, task: options.task ?? indexTask(index) });
  }

  async _retrieve(params: QueryBundle): Promise<NodeWithScore[]> {
    const hits = await search(this.index, this.embedder, extractText(params.query), this.options);
    return hits.map((h) => ({
      node: new TextNode({
        id_: h.id,
        text: h.text,
        metadata: { id: h.id, ...(h.title !== undefined ? { title: h.title } : {}) },
      }),
      score: h.score,
    }));
  }

  /** Closes the index and the embedder. */
  async close(): Promise<void> {
    await this.index.close();
    await this.embedder.close?.();
  }
}
