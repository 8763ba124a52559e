import { Document, type DocumentInterface } from "@langchain/core/documents";
import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import { VectorStore } from "@langchain/core/vectorstores";
import type { Embedder, TaskHint } from "../core/embedder.js";
import { CareError } from "../core/errors.js";
import { loadEmbedder, type LoadOptions } from "../embed/load.js";
import { openIndex, type OpenIndexOptions } from "../store/open.js";
import type { VectorStore as CareStore } from "../store/store.js";
import { indexTask } from "../store/search.js";

/**
 * LangChain.js adapters (`care-retrieval/langchain`; `@langchain/core` is an optional peer dependency).
 * CARE is asymmetric, and so is LangChain's Embeddings interface: `embedQuery` goes through the query
 * encoder with the task's instruction, `embedDocuments` through the document encoder.
 */

export interface CareEmbeddingsOptions extends EmbeddingsParams {
  /** The task whose query instruction `embedQuery` uses; default: the model's own default. */
  task?: TaskHint;
}

export class CareEmbeddings extends Embeddings {
  readonly task?: TaskHint;

  constructor(
    readonly embedder: Embedder,
    options: CareEmbeddingsOptions = {},
  ) {
    const { task, ...params } = options;
    super(params);
    this.task = task;
  }

  /** Opens the embedder a model spec names (`care:<query dir>,<doc dir>`, `hf:<dir>`, ...). */
  static async fromSpec(
    spec: string,
    options: CareEmbeddingsOptions & LoadOptions = {},
  ): Promise<CareEmbeddings> {
    const { threads, ...rest } = options;
    return new CareEmbeddings(await loadEmbedder(spec, { threads }), rest);
  }

  async embedQuery(text: string): Promise<number[]> {
    const [v] = await this.caller.call(() => this.embedder.encodeQueries([text], this.task));
    return Array.from(v);
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const docs = texts.map((text, i) => ({ id: String(i), text }));
    const vectors = await this.caller.call(() => this.embedder.encodeCorpus(docs, this.task));
    return vectors.map((v) => Array.from(v));
  }

  async close(): Promise<void> {
    await this.embedder.close?.();
  }
}

/**
 * A read-only LangChain VectorStore over an index `care index` built: documents come back with their
 * id and title as metadata and the index's score. `asRetriever()` gives the retriever a chain uses.
 * Adding documents is refused: the index is built offline by the document encoder.
 */
export class CareVectorStore extends VectorStore {
  declare FilterType: never;
  declare embeddings: CareEmbeddings;

  constructor(
    readonly index: CareStore,
    embeddings: CareEmbeddings,
  ) {
    super(embeddings, {});
  }

  /**
   * Opens an index folder with the query side given as an embedder or a spec. Queries take the
   * instruction of the task the index was built for, unless the embeddings name their own.
   */
  static async open(
    dir: string,
    query: string | Embedder | CareEmbeddings,
    options: OpenIndexOptions = {},
  ): Promise<CareVectorStore> {
    const index = await openIndex(dir, options);
    const embeddings =
      query instanceof CareEmbeddings
        ? query
        : typeof query === "string"
          ? await CareEmbeddings.fromSpec(query, { task: indexTask(index) })
          : new CareEmbeddings(query, { task: indexTask(index) });
    return new CareVectorStore(index, embeddings);
  }

  _vectorstoreType(): string {
    return "care";
  }

  async addVectors(_vectors: number[][], _documents: DocumentInterface[]): Promise<never> {
    throw new CareError(`${this.index.location}: a care index is read-only; add documents with care index`);
  }

  async addDocuments(documents: DocumentInterface[]): Promise<never> {
    return this.addVectors([], documents);
  }

  async similaritySearchVectorWithScore(query: number[], k: number): Promise<[DocumentInterface, number][]> {
    const hits = await this.index.search(Float32Array.from(query), k);
    return hits.map((h) => [
      new Document({
        id: h.id,
        pageContent: h.text,
        metadata: { id: h.id, ...(h.title !== undefined ? { title: h.title } : {}) },
      }),
      h.score,
    ]);
  }

  /** Closes the index and the embedder. */
  async close(): Promise<void> {
    await this.index.close();
    await this.embeddings.close();
  }
}
