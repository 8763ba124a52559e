/**
 * `tsx scripts/bench-store.ts [--docs N] [--dim D] [--quantization f32|f16|i8] [--ef-construction E]
 * [--ef-search S] [--queries Q] [--out DIR]`: builds an index of random unit vectors (32 latent dimensions plus
 * noise, like sentence embeddings) through `buildIndex`, then measures what docs/store.md reports:
 * build rate, cold open time of the memory-mapped graph, query latency, and recall@10 of the graph
 * against exact search. An existing complete index at --out is reused (so a 1M build is paid once).
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { normalize } from "../src/util/vector.js";
import { type Doc } from "../src/core/doc.js";
import { type Embedder } from "../src/core/embedder.js";
import { buildIndex } from "../src/store/build.js";
import { readManifest, type Quantization } from "../src/store/manifest.js";
import { openIndex } from "../src/store/open.js";
import { recallAtK } from "../src/store/recall.js";

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const docs = Number(value("docs", "20000"));
const dim = Number(value("dim", "768"));
const quantization = value("quantization", "f32") as Quantization;
const efConstruction = Number(value("ef-construction", "128"));
const nQueries = Number(value("queries", "200"));
const efSearch = args.includes("--ef-search") ? Number(value("ef-search", "64")) : undefined;
const out = resolve(value("out", `.cache/bench-store/${docs}x${dim}-${quantization}-ef${efConstruction}`));

/** Seeded unit vectors in a 32-dimensional latent space (same basis for documents and queries). */
class LatentVectors implements Embedder {
  readonly name = "random-latent-32";
  private s: number;
  private readonly basis: Float32Array[];
  constructor(
    readonly dim: number,
    seed: number,
  ) {
    this.s = 1;
    this.basis = Array.from({ length: 32 }, () => Float32Array.from({ length: dim }, () => this.gauss()));
    this.s = seed;
  }
  private uniform(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  private gauss(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
  next(): Float32Array {
    const v = Float32Array.from({ length: this.dim }, () => 0.1 * this.gauss());
    for (const b of this.basis) {
      const z = this.gauss();
      for (let j = 0; j < this.dim; j++) v[j] += z * b[j];
    }
    return normalize(v);
  }
  async encodeQueries(texts: string[]): Promise<Float32Array[]> {
    return texts.map(() => this.next());
  }
  async encodeCorpus(batch: Doc[]): Promise<Float32Array[]> {
    return batch.map(() => this.next());
  }
}

const report: Record<string, unknown> = {
  docs,
  dim,
  quantization,
  ef_construction: efConstruction,
  dir: out,
};
if (!readManifest(out)?.sources.every((s) => s.complete)) {
  const corpus = `${out}.corpus.jsonl`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(corpus, Array.from({ length: docs }, (_, i) => `{"_id":"v${i}","text":""}`).join("\n"));
  const r = await buildIndex({
    corpus,
    out,
    encoders: [new LatentVectors(dim, 7)],
    batchSize: 2000,
    quantization,
    expansionAdd: efConstruction,
  });
  report.build_seconds = r.seconds;
  report.build_docs_per_second = Math.round(docs / r.seconds);
}
report.ef_search = efSearch ?? readManifest(out)!.hnsw.expansionSearch;
report.graph_bytes = statSync(join(out, "hnsw.usearch")).size;
report.store_bytes = statSync(join(out, "docs.sqlite")).size;

// Cold open: the graph is memory-mapped, the store opened; nothing is read ahead.
let t = performance.now();
const ann = openIndex(out, { expansionSearch: efSearch });
report.open_ms = performance.now() - t;
const queries = await new LatentVectors(dim, 99).encodeQueries(Array.from({ length: nQueries }, () => ""));
t = performance.now();
const first = ann.search(queries[0], 10);
report.first_query_ms = performance.now() - t;
t = performance.now();
const approx = queries.map((q) => ann.search(q, 10).map((h) => h.id));
report.ann_query_ms = (performance.now() - t) / nQueries;
ann.close();
// Quantised graphs rescore candidates with the stored float vectors by default; measure without too.
let unrescored: string[][] | undefined;
if (quantization !== "f32") {
  const raw = openIndex(out, { rescore: 1, expansionSearch: efSearch });
  unrescored = queries.map((q) => raw.search(q, 10).map((h) => h.id));
  raw.close();
}

if (docs <= 200_000) {
  t = performance.now();
  const exact = openIndex(out, { mode: "exact" });
  report.exact_open_ms = performance.now() - t;
  t = performance.now();
  const truth = queries.map((q) => exact.search(q, 10).map((h) => h.id));
  report.exact_query_ms = (performance.now() - t) / nQueries;
  exact.close();
  report.recall_at_10 = recallAtK(approx, truth, 10);
  if (unrescored) report.recall_at_10_without_rescoring = recallAtK(unrescored, truth, 10);
}
report.first_hit = first[0]?.id;
process.stdout.write(JSON.stringify(report, null, 2) + "\n");
