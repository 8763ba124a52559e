import { mkdirSync } from "node:fs";
import type { Embedder } from "../core/embedder.js";
import { CareError, SkipLog } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { AnnGraph } from "./ann.js";
import { countLines, readCorpus, resolveCorpus } from "./corpus.js";
import { DocStore } from "./doc-store.js";
import {
  checkDocumentEncoder,
  identities,
  manifestWhere,
  MANIFEST_VERSION,
  readManifest,
  writeManifest,
  type IndexManifest,
  type Quantization,
} from "./manifest.js";
import { isPostgresUrl } from "./location.js";
import { PgStore } from "./pg-store.js";
import { checkVectors, type StoreDoc } from "./store.js";

export interface BuildIndexOptions {
  /** Corpus JSONL file or task folder. */
  corpus: string;
  /** Index folder, or a PostgreSQL URL (`postgres://…`) whose database holds the index. */
  out: string;
  /**
   * Document encoders of one model. Batches go to whichever is free, so several remote endpoints
   * serving the same model encode in parallel. `[DOCUMENTS_ONLY]` stores the documents without vectors.
   */
  encoders: Embedder[];
  /** Batches each encoder works on at once (remote endpoints overlap network and compute). Default 1. */
  concurrency?: number;
  /** Add a corpus to an index built from another one. Without it, only the same corpus may resume. */
  append?: boolean;
  batchSize?: number;
  /** Applied when the index is created; an existing index keeps its own. */
  quantization?: Quantization;
  connectivity?: number;
  expansionAdd?: number;
  expansionSearch?: number;
  /** Seconds between saves of the ANN graph while building; a kill loses at most this much graph work. */
  saveEverySeconds?: number;
  /** PostgreSQL: maintenance_work_mem for building the HNSW index. Default 1GB. */
  maintenanceWorkMem?: string;
  progress?: boolean;
}

export interface BuildReport {
  added: number;
  /** Documents of this corpus already in the index (an earlier, interrupted run stored them). */
  alreadyStored: number;
  skips: SkipLog;
  total: number;
  seconds: number;
}

/** Where a build writes: the embedded folder or a PostgreSQL database. */
interface BuildTarget {
  readonly manifest: IndexManifest;
  existing(ids: string[]): Promise<Set<string>>;
  /** Stores a batch of new documents, all or none. */
  commit(docs: StoreDoc[], vectors: Float32Array[]): Promise<void>;
  /** After the last batch: makes the index searchable and records the corpus as complete. */
  finish(file: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * `care index`: streams the corpus, encodes unseen documents in batches and commits each batch in one
 * transaction. Into a folder: documents and vectors go to SQLite, and the HNSW graph is a cache of
 * that store, saved atomically at intervals and at the end, and caught up from the store when a
 * killed run resumes. Into PostgreSQL: one INSERT per batch, and the HNSW index is built at the end.
 * Either way SIGKILL at any moment followed by a rerun leaves every document in the index exactly once.
 */
export async function buildIndex(options: BuildIndexOptions): Promise<BuildReport> {
  const start = Date.now();
  const [first] = options.encoders;
  if (!first) throw new CareError("buildIndex: no document encoder given");
  const input = resolveCorpus(options.corpus);
  const target = isPostgresUrl(options.out)
    ? await postgresTarget(options, first, input.file, input.task)
    : embeddedTarget(options, first, input.file, input.task);
  try {
    const dim = target.manifest.dim;
    const total = await countLines(input.file);
    const progress = new Progress("index", total, "docs", options.progress === false);
    const skips = new SkipLog();
    const seen = new Set<string>();
    let alreadyStored = 0;
    let added = 0;

    const batchSize = Math.max(1, options.batchSize ?? 64);
    async function* batches(): AsyncGenerator<StoreDoc[]> {
      let chunk: StoreDoc[] = [];
      const flush = async (): Promise<StoreDoc[]> => {
        const taken = chunk;
        chunk = [];
        const stored = await target.existing(taken.map((d) => d.id));
        alreadyStored += stored.size;
        progress.tick(stored.size);
        return taken.filter((d) => !stored.has(d.id));
      };
      for await (const { line, doc } of readCorpus(input.file)) {
        if (seen.has(doc.id)) {
          skips.add(input.file, line, `duplicate id "${doc.id}"; the first occurrence is indexed`);
          progress.tick();
          continue;
        }
        seen.add(doc.id);
        chunk.push(doc);
        if (chunk.length >= batchSize) {
          const fresh = await flush();
          if (fresh.length) yield fresh;
        }
      }
      const fresh = await flush();
      if (fresh.length) yield fresh;
    }

    const queue = batches();
    let failed = false;
    const worker = async (encoder: Embedder): Promise<void> => {
      for (;;) {
        if (failed) return;
        const next = await queue.next();
        if (next.done) return;
        try {
          const vectors = await encoder.encodeCorpus(next.value, input.task);
          if (vectors.length !== next.value.length)
            throw new CareError(
              `document encoder "${encoder.name}" returned ${vectors.length} vectors for ${next.value.length} documents`,
            );
          if (failed) return;
          checkVectors(next.value, vectors, dim);
          await target.commit(next.value, vectors);
          added += next.value.length;
          progress.tick(next.value.length);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    const concurrency = Math.max(1, options.concurrency ?? 1);
    await Promise.all(options.encoders.flatMap((e) => Array.from({ length: concurrency }, () => worker(e))));

    const stored = await target.finish(input.file);
    progress.finish();
    return { added, alreadyStored, skips, total: stored, seconds: (Date.now() - start) / 1000 };
  } finally {
    await target.close();
  }
}

/**
 * The "encoder" of an index that holds documents only, for BM25 alone (`care index --doc bm25`): it
 * gives every document an empty vector, and the index it builds has width 0 and no ANN graph.
 */
export const DOCUMENTS_ONLY: Embedder = {
  name: "bm25",
  dim: 0,
  async encodeQueries() {
    throw new CareError("an index of documents only has no query encoder");
  },
  async encodeCorpus(docs) {
    return docs.map(() => new Float32Array(0));
  },
  describe: () => ({ query: { documents_only: true }, document: { documents_only: true } }),
};

function embeddedTarget(
  options: BuildIndexOptions,
  encoder: Embedder,
  file: string,
  task: { name: string; queryInstruction?: string } | undefined,
): BuildTarget {
  mkdirSync(options.out, { recursive: true });
  const existing = readManifest(options.out);
  const { manifest, changed } = prepareManifest(existing, options, encoder, file, task, options.out);
  if (changed) writeManifest(options.out, manifest);
  const store = DocStore.create(options.out, manifest.dim);
  let graph: AnnGraph | undefined;
  try {
    graph = manifest.dim > 0 ? catchUpGraph(options.out, manifest, store) : undefined;
  } catch (e) {
    store.close();
    throw e;
  }
  let lastSave = Date.now();
  const saveEvery = (options.saveEverySeconds ?? 120) * 1000;
  return {
    manifest,
    existing: async (ids) => store.existing(ids),
    async commit(docs, vectors) {
      const { keys } = store.insert(docs, vectors);
      if (!graph) return;
      const packed = new Float32Array(keys.length * manifest.dim);
      vectors.forEach((v, i) => packed.set(v, i * manifest.dim));
      graph.add(BigUint64Array.from(keys, BigInt), packed);
      if (Date.now() - lastSave >= saveEvery) {
        graph.save();
        lastSave = Date.now();
      }
    },
    async finish(path) {
      graph?.save();
      store.checkpoint();
      const done = readManifest(options.out)!;
      done.sources = done.sources.map((s) => (s.path === path ? { ...s, complete: true } : s));
      done.updated = new Date().toISOString();
      writeManifest(options.out, done);
      return store.count();
    },
    close: async () => store.close(),
  };
}

async function postgresTarget(
  options: BuildIndexOptions,
  encoder: Embedder,
  file: string,
  task: { name: string; queryInstruction?: string } | undefined,
): Promise<BuildTarget> {
  const where = options.out;
  if (encoder.dim === 0)
    throw new CareError("an index of documents only (--doc bm25) lives in a folder, not in PostgreSQL");
  if (options.quantization && options.quantization !== "f32")
    throw new CareError(
      `--quantization ${options.quantization} applies to the embedded store; PostgreSQL keeps float32 vectors`,
    );
  const store = await PgStore.forBuilding(
    options.out,
    () => prepareManifest(undefined, options, encoder, file, task, where).manifest,
  );
  try {
    const { manifest, changed } = prepareManifest(store.manifest, options, encoder, file, task, where);
    if (changed) await store.writeManifest(manifest);
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    manifest: store.manifest,
    existing: (ids) => store.existing(ids),
    commit: async (docs, vectors) => void (await store.add(docs, vectors)),
    async finish(path) {
      await store.ensureAnnIndex(options.maintenanceWorkMem);
      const m = store.manifest;
      await store.writeManifest({
        ...m,
        sources: m.sources.map((s) => (s.path === path ? { ...s, complete: true } : s)),
        updated: new Date().toISOString(),
      });
      return store.count();
    },
    close: () => store.close(),
  };
}

/**
 * The manifest for this run: a new one, or `existing` checked against this run with the corpus
 * recorded in it (`changed` when it must be written back). `where` names the index in errors.
 */
function prepareManifest(
  existing: IndexManifest | undefined,
  options: BuildIndexOptions,
  encoder: Embedder,
  file: string,
  task: { name: string; queryInstruction?: string } | undefined,
  where: string,
): { manifest: IndexManifest; changed: boolean } {
  const now = new Date().toISOString();
  if (!existing) {
    const ids = identities(encoder);
    const manifest: IndexManifest = {
      version: MANIFEST_VERSION,
      dim: encoder.dim,
      metric: "cos",
      quantization: options.quantization ?? "f32",
      hnsw: {
        connectivity: options.connectivity ?? 16,
        expansionAdd: options.expansionAdd ?? 128,
        expansionSearch: options.expansionSearch ?? 128,
      },
      document: ids.document,
      query: ids.query,
      ...(task
        ? {
            task: {
              name: task.name,
              ...(task.queryInstruction ? { queryInstruction: task.queryInstruction } : {}),
            },
          }
        : {}),
      sources: [{ path: file, complete: false }],
      created: now,
      updated: now,
    };
    return { manifest, changed: true };
  }
  checkDocumentEncoder(existing, encoder, where);
  if (existing.sources.some((s) => s.path === file)) return { manifest: existing, changed: false };
  if (!options.append)
    throw new CareError(
      `this index was built from ${existing.sources.map((s) => s.path).join(", ")}; ` +
        `pass --append to add ${file}, or choose another --out`,
      manifestWhere(where),
    );
  const manifest = {
    ...existing,
    sources: [...existing.sources, { path: file, complete: false }],
    updated: now,
  };
  return { manifest, changed: true };
}

/**
 * Opens the saved graph and adds the stored rows it lacks: those committed after its last save (by a
 * run that was then killed, or by updates after the build). Keys grow with every write, so those rows
 * are exactly the ones above the highest stored key the graph holds.
 */
function catchUpGraph(dir: string, manifest: IndexManifest, store: DocStore): AnnGraph {
  const graph = AnnGraph.forWriting(dir, manifest);
  if (graph.size > store.maxAssignedKey())
    throw new CareError(
      `the ANN graph holds ${graph.size} vectors, more than the document store ever held; ` +
        "it belongs to another store: delete it and rerun to rebuild it",
      graph.file,
    );
  const high = graph.highestStored((before, limit) => store.keysBelow(before, limit));
  for (const { keys, data } of store.vectorsAfter(high)) graph.add(keys, data);
  return graph;
}
