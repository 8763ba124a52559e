import { CareError } from "../core/errors.js";
import { AnnGraph } from "./ann.js";
import { DocStore, type StoredDoc } from "./doc-store.js";
import { exactTopK } from "./exact.js";
import { manifestPath, readManifest, type IndexManifest } from "./manifest.js";

export type SearchMode = "ann" | "exact";

export interface OpenIndexOptions {
  /** "ann" (default): the HNSW graph; "exact": every vector scored, for small corpora and recall checks. */
  mode?: SearchMode;
  /** HNSW search width (ef); wider is slower and closer to exact. Defaults to the build's setting. */
  expansionSearch?: number;
  /**
   * For int8/f16 graphs: fetch `rescore × k` candidates and rank them by their stored float vectors,
   * which recovers most of the recall quantisation loses. 1 turns it off. Default 4 (f32 graphs: 1).
   */
  rescore?: number;
}

export interface SearchHit extends StoredDoc {
  score: number;
}

/** An opened index: read-only, safe to share between requests. */
export interface VectorIndex {
  readonly dir: string;
  readonly manifest: IndexManifest;
  readonly mode: SearchMode;
  readonly count: number;
  /** The `k` documents most similar to a normalised query vector, best first. */
  search(query: Float32Array, k: number): SearchHit[];
  /** Documents by their keys (as the BM25 side returns them), in the order asked. */
  documents(keys: readonly number[]): StoredDoc[];
  close(): void;
}

/**
 * Opens an index folder written by `buildIndex`. ANN mode memory-maps the graph, so opening costs the
 * same at 1M vectors as at 1k; exact mode reads every vector into memory.
 */
export function openIndex(dir: string, options: OpenIndexOptions = {}): VectorIndex {
  const manifest = readManifest(dir);
  if (!manifest) throw new CareError("not an index folder (index.json not found)", manifestPath(dir));
  const unfinished = manifest.sources.filter((s) => !s.complete).map((s) => s.path);
  if (unfinished.length)
    throw new CareError(
      `the index is still being built from ${unfinished.join(", ")}; rerun care index to finish it`,
      manifestPath(dir),
    );
  const store = DocStore.openReadOnly(dir, manifest.dim);
  const mode = options.mode ?? "ann";
  try {
    if (manifest.dim === 0) return new DocumentsOnlyIndex(dir, manifest, store);
    if (mode === "exact") return new ExactIndex(dir, manifest, store);
    const graph = AnnGraph.view(dir, {
      ...manifest,
      hnsw: { ...manifest.hnsw, expansionSearch: options.expansionSearch ?? manifest.hnsw.expansionSearch },
    });
    const count = store.count();
    if (graph.size !== count)
      throw new CareError(
        `the ANN graph holds ${graph.size} vectors but the document store ${count}; rerun care index`,
        graph.file,
      );
    const rescore = Math.max(1, Math.floor(options.rescore ?? (manifest.quantization === "f32" ? 1 : 4)));
    return new AnnIndex(dir, manifest, store, graph, count, rescore);
  } catch (e) {
    store.close();
    throw e;
  }
}

/** An index built with `--doc bm25`: documents without vectors, searched through its BM25 side alone. */
class DocumentsOnlyIndex implements VectorIndex {
  readonly mode = "exact";
  readonly count: number;
  constructor(
    readonly dir: string,
    readonly manifest: IndexManifest,
    private readonly store: DocStore,
  ) {
    this.count = store.count();
  }

  search(): SearchHit[] {
    throw new CareError(
      "this index holds documents only (built with --doc bm25): search it with BM25",
      this.dir,
    );
  }

  documents(keys: readonly number[]): StoredDoc[] {
    return this.store.getByKeys(keys);
  }

  close(): void {
    this.store.close();
  }
}

class AnnIndex implements VectorIndex {
  readonly mode = "ann";
  constructor(
    readonly dir: string,
    readonly manifest: IndexManifest,
    private readonly store: DocStore,
    private readonly graph: AnnGraph,
    readonly count: number,
    private readonly rescore: number,
  ) {}

  search(query: Float32Array, k: number): SearchHit[] {
    checkQuery(query, this.manifest.dim);
    const m = this.graph.search(query, k * this.rescore);
    let ranked = m.keys.map((key, i) => ({ key, score: m.scores[i] }));
    if (this.rescore > 1) {
      const vectors = this.store.vectorsByKeys(m.keys);
      ranked = ranked.map(({ key }) => ({ key, score: dot(query, vectors.get(key)!) }));
      ranked.sort((a, b) => b.score - a.score);
    }
    ranked = ranked.slice(0, k);
    const docs = this.store.getByKeys(ranked.map((r) => r.key));
    return docs.map((d, i) => ({ ...d, score: ranked[i].score }));
  }

  documents(keys: readonly number[]): StoredDoc[] {
    return this.store.getByKeys(keys);
  }

  close(): void {
    this.store.close();
  }
}

class ExactIndex implements VectorIndex {
  readonly mode = "exact";
  private readonly rows: ReturnType<DocStore["allVectors"]>;
  private readonly keyOf: Map<string, number>;

  constructor(
    readonly dir: string,
    readonly manifest: IndexManifest,
    private readonly store: DocStore,
  ) {
    this.rows = store.allVectors();
    this.keyOf = new Map(this.rows.ids.map((id, i) => [id, this.rows.keys[i]]));
  }

  get count(): number {
    return this.rows.ids.length;
  }

  search(query: Float32Array, k: number): SearchHit[] {
    checkQuery(query, this.manifest.dim);
    const corpus = { data: this.rows.data, rows: this.rows.ids.length, dim: this.manifest.dim };
    const [hits] = exactTopK([query], corpus, this.rows.ids, k);
    const docs = this.store.getByKeys(hits.map((h) => this.keyOf.get(h.id)!));
    return docs.map((d, i) => ({ ...d, score: hits[i].score }));
  }

  documents(keys: readonly number[]): StoredDoc[] {
    return this.store.getByKeys(keys);
  }

  close(): void {
    this.store.close();
  }
}

function checkQuery(query: Float32Array, dim: number): void {
  if (query.length !== dim)
    throw new CareError(`query vector has ${query.length} dimensions; the index has ${dim}`);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
