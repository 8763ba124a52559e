import { mkdirSync } from "node:fs";
import type { Doc } from "../core/doc.js";
import type { Embedder } from "../core/embedder.js";
import { CareError, SkipLog } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { AnnGraph } from "./ann.js";
import { countLines, readCorpus, resolveCorpus } from "./corpus.js";
import { DocStore } from "./doc-store.js";
import {
  checkDocumentEncoder,
  identities,
  manifestPath,
  MANIFEST_VERSION,
  readManifest,
  writeManifest,
  type IndexManifest,
  type Quantization,
} from "./manifest.js";

export interface BuildIndexOptions {
  /** Corpus JSONL file or task folder. */
  corpus: string;
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

/**
 * `care index`: streams the corpus, encodes unseen documents in batches and commits each batch's
 * documents and vectors in one SQLite transaction. The HNSW graph is a cache of that store: saved
 * atomically at intervals and at the end, and caught up from the store when a killed run resumes, so
 * SIGKILL at any moment followed by a rerun leaves every document in the index exactly once.
 */
export async function buildIndex(options: BuildIndexOptions): Promise<BuildReport> {
  const start = Date.now();
  const [first] = options.encoders;
  if (!first) throw new CareError("buildIndex: no document encoder given");
  const input = resolveCorpus(options.corpus);
  mkdirSync(options.out, { recursive: true });

  const manifest = prepareManifest(options, first, input.file, input.task);
  const store = DocStore.create(options.out, manifest.dim);
  try {
    const graph = manifest.dim > 0 ? catchUpGraph(options.out, manifest, store) : undefined;
    const total = await countLines(input.file);
    const progress = new Progress("index", total, "docs", options.progress === false);
    const skips = new SkipLog();
    const seen = new Set<string>();
    let alreadyStored = 0;
    let added = 0;
    let lastSave = Date.now();
    const saveEvery = (options.saveEverySeconds ?? 120) * 1000;

    const commit = (docs: Doc[], vectors: Float32Array[]): void => {
      vectors.forEach((v, i) => checkVector(v, manifest.dim, docs[i].id));
      const keys = store.insert(docs, vectors);
      added += docs.length;
      progress.tick(docs.length);
      if (!graph) return;
      const packed = new Float32Array(keys.length * manifest.dim);
      vectors.forEach((v, i) => packed.set(v, i * manifest.dim));
      graph.add(BigUint64Array.from(keys, BigInt), packed);
      if (Date.now() - lastSave >= saveEvery) {
        graph.save();
        lastSave = Date.now();
      }
    };

    const batchSize = Math.max(1, options.batchSize ?? 64);
    async function* batches(): AsyncGenerator<Doc[]> {
      let chunk: Doc[] = [];
      const flush = (): Doc[] => {
        const stored = store.existing(chunk.map((d) => d.id));
        alreadyStored += stored.size;
        progress.tick(stored.size);
        const fresh = chunk.filter((d) => !stored.has(d.id));
        chunk = [];
        return fresh;
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
          const fresh = flush();
          if (fresh.length) yield fresh;
        }
      }
      const fresh = flush();
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
          if (!failed) commit(next.value, vectors);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    const concurrency = Math.max(1, options.concurrency ?? 1);
    await Promise.all(options.encoders.flatMap((e) => Array.from({ length: concurrency }, () => worker(e))));

    graph?.save();
    store.checkpoint();
    progress.finish();
    const done = readManifest(options.out)!;
    done.sources = done.sources.map((s) => (s.path === input.file ? { ...s, complete: true } : s));
    done.updated = new Date().toISOString();
    writeManifest(options.out, done);
    return { added, alreadyStored, skips, total: store.count(), seconds: (Date.now() - start) / 1000 };
  } finally {
    store.close();
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

/** Creates the manifest, or checks an existing one against this run and records the corpus in it. */
function prepareManifest(
  options: BuildIndexOptions,
  encoder: Embedder,
  file: string,
  task: { name: string; queryInstruction?: string } | undefined,
): IndexManifest {
  const now = new Date().toISOString();
  const existing = readManifest(options.out);
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
    writeManifest(options.out, manifest);
    return manifest;
  }
  checkDocumentEncoder(existing, encoder, options.out);
  if (!existing.sources.some((s) => s.path === file)) {
    if (!options.append)
      throw new CareError(
        `this index was built from ${existing.sources.map((s) => s.path).join(", ")}; ` +
          `pass --append to add ${file}, or choose another --out`,
        manifestPath(options.out),
      );
    existing.sources.push({ path: file, complete: false });
    existing.updated = now;
    writeManifest(options.out, existing);
  }
  return existing;
}

/**
 * Opens the saved graph and adds the stored rows it lacks: those committed after its last save by a
 * run that was then killed. Keys are store rows 1..n added in order, so the graph always holds a prefix.
 */
function catchUpGraph(dir: string, manifest: IndexManifest, store: DocStore): AnnGraph {
  const graph = AnnGraph.forWriting(dir, manifest);
  if (graph.size > store.maxKey())
    throw new CareError(
      `the ANN graph holds ${graph.size} vectors, more than the document store (${store.maxKey()}); ` +
        "it belongs to another store: delete it and rerun to rebuild it",
      graph.file,
    );
  for (const { keys, data } of store.vectorsAfter(graph.size)) graph.add(keys, data);
  return graph;
}

function checkVector(v: Float32Array, dim: number, id: string): void {
  if (v.length !== dim)
    throw new CareError(`document "${id}": the encoder returned ${v.length} dimensions, expected ${dim}`);
  for (let i = 0; i < v.length; i++)
    if (!Number.isFinite(v[i]))
      throw new CareError(`document "${id}": the encoder returned a non-finite value`);
}
