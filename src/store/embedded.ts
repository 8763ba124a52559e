import { CareError } from "../core/errors.js";
import { dot } from "../util/vector.js";
import { AnnGraph } from "./ann.js";
import { DocStore, type KeyedDoc } from "./doc-store.js";
import { exactTopK } from "./exact.js";
import { matches, type Fields, type Filter } from "./filter.js";
import { manifestPath, readManifest, type IndexManifest } from "./manifest.js";
import {
  checkQuery,
  checkVectors,
  type SearchHit,
  type SearchMode,
  type StoreDoc,
  type VectorStore,
} from "./store.js";

export interface EmbeddedOptions {
  /** "ann" (default): the HNSW graph; "exact": every vector scored, for small corpora and recall checks. */
  mode?: SearchMode;
  /** HNSW search width (ef); wider is slower and closer to exact. Defaults to the build's setting. */
  expansionSearch?: number;
  /**
   * For int8/f16 graphs: fetch `rescore × k` candidates and rank them by their stored float vectors,
   * which recovers most of the recall quantisation loses. 1 turns it off. Default 4 (f32 graphs: 1).
   */
  rescore?: number;
  /**
   * A filter matching at most this many documents is answered exactly (every match scored, its
   * vectors cached with the filter) instead of through the graph. Default 4,000,000 ÷ dim (31k at 128
   * dimensions, 5.2k at 768): scoring that many costs about what a wide graph search does.
   */
  exactBelow?: number;
}

/** Rows scored exactly: the delta above the graph, or the matches of a selective filter. */
interface Rows {
  keys: number[];
  data: Float32Array;
}

/** What a filter matches, cached per filter until the store changes. */
interface FilterMatch {
  bits: Uint8Array;
  count: number;
  /** The matches' vectors when few enough to score exactly. */
  exact?: Rows;
}

/** State read from the store, reloaded when another connection (a writer) commits. */
interface Snapshot {
  version: number;
  count: number;
  /** Stored rows the graph file does not hold: written since its last save. */
  delta: Rows;
  tombstones: Set<number>;
  maxKey: number;
  fields?: (Fields | undefined)[];
  filters: Map<string, FilterMatch>;
  /** Exact mode: every vector. */
  all?: { keys: Int32Array; ids: string[]; data: Float32Array };
}

/**
 * The embedded backend: the folder `care index` writes (SQLite store + memory-mapped usearch graph).
 * Writes go to the SQLite store through a second connection and are searched exactly until the next
 * `care index` run saves them into the graph; deleted and replaced keys are skipped in graph results.
 */
export class EmbeddedStore implements VectorStore {
  readonly backend = "embedded";
  private snap!: Snapshot;
  private writer?: DocStore;

  private constructor(
    readonly location: string,
    readonly manifest: IndexManifest,
    readonly mode: SearchMode,
    private readonly reader: DocStore,
    private readonly graph: AnnGraph | undefined,
    private readonly rescore: number,
    private readonly exactBelow: number,
  ) {
    this.refresh(true);
  }

  /** Opens an index folder written by `buildIndex`; the graph is memory-mapped, not read. */
  static open(dir: string, options: EmbeddedOptions = {}): EmbeddedStore {
    const manifest = readManifest(dir);
    if (!manifest) throw new CareError("not an index folder (index.json not found)", manifestPath(dir));
    const unfinished = manifest.sources.filter((s) => !s.complete).map((s) => s.path);
    if (unfinished.length)
      throw new CareError(
        `the index is still being built from ${unfinished.join(", ")}; rerun care index to finish it`,
        manifestPath(dir),
      );
    let store = DocStore.openReadOnly(dir, manifest.dim);
    if (store.outdated) {
      // Adds the fields column and the tombstone table once, so later writes are seen by this reader.
      store.close();
      DocStore.create(dir, manifest.dim).close();
      store = DocStore.openReadOnly(dir, manifest.dim);
    }
    // An index of documents only (built with --doc bm25) has no graph and no vectors: BM25 searches it.
    const mode = manifest.dim === 0 ? "exact" : (options.mode ?? "ann");
    try {
      const graph =
        mode === "ann"
          ? AnnGraph.view(dir, {
              ...manifest,
              hnsw: {
                ...manifest.hnsw,
                expansionSearch: options.expansionSearch ?? manifest.hnsw.expansionSearch,
              },
            })
          : undefined;
      if (graph && graph.size > store.maxAssignedKey())
        throw new CareError(
          `the ANN graph holds ${graph.size} vectors, more than the document store ever held; rerun care index`,
          graph.file,
        );
      const rescore = Math.max(1, Math.floor(options.rescore ?? (manifest.quantization === "f32" ? 1 : 4)));
      return new EmbeddedStore(
        dir,
        manifest,
        mode,
        store,
        graph,
        rescore,
        options.exactBelow ?? Math.floor(4_000_000 / manifest.dim),
      );
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** Reloads what another connection changed; SQLite's data_version makes the check a few µs. */
  private refresh(force = false): Snapshot {
    const version = this.reader.dataVersion();
    if (!force && version === this.snap.version) return this.snap;
    const high = this.graph ? this.graph.highestStored((b, l) => this.reader.keysBelow(b, l)) : 0;
    const delta: Rows = { keys: [], data: new Float32Array(0) };
    if (this.graph) {
      const parts: Float32Array[] = [];
      for (const { keys, data } of this.reader.vectorsAfter(high)) {
        for (const k of keys) delta.keys.push(Number(k));
        parts.push(data);
      }
      delta.data = concat(parts, delta.keys.length * this.manifest.dim);
    }
    this.snap = {
      version,
      count: this.reader.count(),
      delta,
      tombstones: new Set(this.reader.tombstoneKeys()),
      maxKey: this.reader.maxAssignedKey(),
      filters: new Map(),
      ...(this.mode === "exact" ? { all: this.reader.allVectors() } : {}),
    };
    return this.snap;
  }

  async count(): Promise<number> {
    return this.refresh().count;
  }

  async search(query: Float32Array, k: number, filter: Filter = []): Promise<SearchHit[]> {
    if (this.manifest.dim === 0)
      throw new CareError(
        "this index holds documents only (built with --doc bm25): search it with BM25",
        this.location,
      );
    checkQuery(query, this.manifest.dim);
    const snap = this.refresh();
    const match = filter.length ? this.filterMatch(snap, filter) : undefined;
    if (match?.count === 0) return [];
    let ranked: { key: number; score: number }[];
    if (snap.all) ranked = this.scoreAll(snap.all, query, k, match);
    else if (match?.exact) ranked = scoreRows(match.exact, query, this.manifest.dim, k);
    else ranked = this.annSearch(snap, query, k, match);
    const docs = this.reader.getByKeys(ranked.map((r) => r.key));
    return docs.map((d, i) => hit(d, ranked[i].score));
  }

  /**
   * Graph candidates that pass the filter, plus the delta scored exactly. The candidate list grows
   * with the filter's selectivity (8 × k / fraction matching, widened 4× until k pass), so a filter is
   * applied while searching, not to a top-k already cut: under a 10% filter k 10 reads 800 candidates,
   * where the true 10th match sits near rank 100 (at 4×, 768-d recall@10 was 0.88; docs/bench-store.md).
   */
  private annSearch(snap: Snapshot, query: Float32Array, k: number, match?: FilterMatch) {
    const graph = this.graph!;
    const allowed = (key: number) => !snap.tombstones.has(key) && (!match || match.bits[key] === 1);
    const fraction = match ? Math.max(match.count / Math.max(1, snap.count), 1e-6) : 1;
    const want = k * this.rescore;
    let width = Math.ceil(((match ? 8 : 1) * want + snap.tombstones.size * fraction) / fraction);
    let found: { key: number; score: number }[];
    for (;;) {
      const m = graph.search(query, Math.min(width, graph.size));
      found = [];
      for (let i = 0; i < m.keys.length && found.length < want; i++)
        if (allowed(m.keys[i])) found.push({ key: m.keys[i], score: m.scores[i] });
      if (found.length >= want || width >= graph.size) break;
      width *= 4;
    }
    if (this.rescore > 1) {
      const vectors = this.reader.vectorsByKeys(found.map((f) => f.key));
      found = found.map(({ key }) => ({ key, score: dot(query, vectors.get(key)!) }));
    }
    const delta = snap.delta.keys.length
      ? scoreRows(snap.delta, query, this.manifest.dim, k, (key) => !match || match.bits[key] === 1)
      : [];
    return [...found, ...delta].sort((a, b) => b.score - a.score || b.key - a.key).slice(0, k);
  }

  private scoreAll(all: NonNullable<Snapshot["all"]>, query: Float32Array, k: number, match?: FilterMatch) {
    const rows: Rows = { keys: Array.from(all.keys), data: all.data };
    return scoreRows(rows, query, this.manifest.dim, k, match ? (key) => match.bits[key] === 1 : undefined);
  }

  /** The filter's matches as a bitmap over keys; cached (16 filters) until the store changes. */
  private filterMatch(snap: Snapshot, filter: Filter): FilterMatch {
    const id = JSON.stringify(filter);
    const cached = snap.filters.get(id);
    if (cached) return cached;
    snap.fields ??= this.reader.allFields();
    const bits = new Uint8Array(snap.maxKey + 1);
    const keys: number[] = [];
    snap.fields.forEach((f, key) => {
      if (f && matches(filter, f)) {
        bits[key] = 1;
        keys.push(key);
      }
    });
    const match: FilterMatch = { bits, count: keys.length };
    if (this.mode === "ann" && keys.length <= this.exactBelow) {
      const vectors = this.reader.vectorsByKeys(keys);
      const data = new Float32Array(keys.length * this.manifest.dim);
      keys.forEach((key, i) => data.set(vectors.get(key)!, i * this.manifest.dim));
      match.exact = { keys, data };
    }
    if (snap.filters.size >= 16) snap.filters.delete(snap.filters.keys().next().value!);
    snap.filters.set(id, match);
    return match;
  }

  /** Stored documents by key (the keys the BM25 side returns); a key since deleted is left out. */
  documents(keys: readonly number[]): KeyedDoc[] {
    return this.reader.getByKeys(keys);
  }

  async existing(ids: string[]): Promise<Set<string>> {
    return this.reader.existing(ids);
  }

  async add(docs: StoreDoc[], vectors: Float32Array[]): Promise<number> {
    checkVectors(docs, vectors, this.manifest.dim);
    const w = this.openWriter();
    const known = w.existing(docs.map((d) => d.id));
    const fresh = docs.flatMap((d, i) => (known.has(d.id) ? [] : [i]));
    w.insert(
      fresh.map((i) => docs[i]),
      fresh.map((i) => vectors[i]),
    );
    return fresh.length;
  }

  async upsert(docs: StoreDoc[], vectors: Float32Array[]): Promise<void> {
    checkVectors(docs, vectors, this.manifest.dim);
    this.openWriter().insert(docs, vectors, true);
  }

  async delete(ids: string[]): Promise<number> {
    return this.openWriter().delete(ids).length;
  }

  private openWriter(): DocStore {
    return (this.writer ??= DocStore.create(this.location, this.manifest.dim));
  }

  async close(): Promise<void> {
    this.writer?.close();
    this.reader.close();
  }
}

function hit(d: KeyedDoc, score: number): SearchHit {
  const { key: _key, ...doc } = d;
  return { ...doc, score };
}

/** Exact top-k of the rows passing `keep`, ties to the higher key (the graph's later document). */
function scoreRows(
  rows: Rows,
  query: Float32Array,
  dim: number,
  k: number,
  keep?: (key: number) => boolean,
): { key: number; score: number }[] {
  const picked = keep ? rows.keys.flatMap((key, i) => (keep(key) ? [i] : [])) : undefined;
  const n = picked ? picked.length : rows.keys.length;
  if (n === 0) return [];
  const data = picked ? new Float32Array(n * dim) : rows.data;
  if (picked) picked.forEach((r, i) => data.set(rows.data.subarray(r * dim, (r + 1) * dim), i * dim));
  const keys = picked ? picked.map((r) => rows.keys[r]) : rows.keys;
  const [hits] = exactTopK([query], { data, rows: n, dim }, keys.map(String), k);
  return hits.map((h) => ({ key: Number(h.id), score: h.score }));
}

function concat(parts: Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
