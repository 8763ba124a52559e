/**
 * `npm run bench:store -- [--docs N] [--dim D] [--backend embedded|postgres|both] [--queries Q]
 * [--ef-construction E] [--ef-search S] [--pg URL] [--concurrency C] [--markdown-only]`
 *
 * Indexes N seeded, clustered synthetic unit vectors (1,000 Gaussian clusters of varied spread, not
 * uniform noise) into each backend through `buildIndex`, then measures build time, memory, disk,
 * search latency p50/p99 at concurrency 1 and C (default 16), and recall@10 against exact search on Q
 * queries (default 1,000), unfiltered and under a 10%-selective filter (`shard = 3`, independent of
 * the clusters). Each run adds its rows to .cache/bench-store/results.json and rewrites
 * docs/bench-store.md from every row measured so far. An existing complete index is reused.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import pg from "pg";
import type { Doc } from "../src/core/doc.js";
import type { Embedder } from "../src/core/embedder.js";
import { buildIndex } from "../src/store/build.js";
import { EmbeddedStore } from "../src/store/embedded.js";
import { exactTopK } from "../src/store/exact.js";
import { parseFilter, type Filter } from "../src/store/filter.js";
import { readManifest } from "../src/store/manifest.js";
import { PgStore } from "../src/store/pg-store.js";
import { recallAtK } from "../src/store/recall.js";
import type { VectorStore } from "../src/store/store.js";
import { normalize } from "../src/util/vector.js";

const args = process.argv.slice(2);
const value = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const N = Number(value("docs", "1000000"));
const dim = Number(value("dim", "128"));
const backends = value("backend", "both") === "both" ? ["embedded", "postgres"] : [value("backend", "")];
const nQueries = Number(value("queries", "1000"));
const efConstruction = Number(value("ef-construction", "64"));
const efSearch = Number(value("ef-search", "128"));
const concurrency = Number(value("concurrency", "16"));
const pgAdmin = value("pg", process.env.CARE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:54329/postgres");
const cache = resolve(".cache/bench-store");
const resultsFile = join(cache, "results.json");
const CLUSTERS = 1000;
const SHARDS = 10;
const FILTER: Filter = parseFilter({ shard: 3 });
const log = (s: string) => process.stderr.write(`bench:store: ${s}\n`);

/** mulberry32: a seeded uniform generator, so every run sees the same vectors. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Clustered data: 1,000 random unit centres; a vector is a centre plus Gaussian noise whose spread
 * differs by cluster (0.5 to 1.5 of the centre's length, relative to √dim), normalised. Document i
 * and query j are generated from their own seeds, so any one can be regenerated alone.
 */
class Clustered {
  private readonly centres: Float32Array[];
  private readonly spread: Float32Array;
  constructor(readonly dim: number) {
    const r = rng(42);
    const g = gauss(r);
    this.centres = Array.from({ length: CLUSTERS }, () => normalize(Float32Array.from({ length: dim }, g)));
    this.spread = Float32Array.from({ length: CLUSTERS }, () => 0.5 + r());
  }
  vector(seed: number): Float32Array {
    const r = rng(seed);
    const g = gauss(r);
    const c = Math.floor(r() * CLUSTERS);
    const s = this.spread[c] / Math.sqrt(this.dim);
    const centre = this.centres[c];
    return normalize(Float32Array.from({ length: this.dim }, (_, j) => centre[j] + s * g()));
  }
  doc(i: number): Float32Array {
    return this.vector(1_000_003 + i * 7919);
  }
  query(j: number): Float32Array {
    return this.vector(2_000_000_011 + j * 104_729);
  }
}

function gauss(r: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** The encoder `buildIndex` calls: document "v<i>" gets vector i. */
class SyntheticDocs implements Embedder {
  readonly name: string;
  constructor(private readonly data: Clustered) {
    this.name = `clustered-${data.dim}`;
  }
  get dim(): number {
    return this.data.dim;
  }
  describe() {
    const identity = { synthetic: "clustered", clusters: CLUSTERS, dim: this.dim };
    return { query: identity, document: identity };
  }
  async encodeQueries(): Promise<Float32Array[]> {
    throw new Error("not used");
  }
  async encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    return docs.map((d) => this.data.doc(Number(d.id.slice(1))));
  }
}

interface Row {
  backend: string;
  docs: number;
  dim: number;
  ef_construction: number;
  ef_search: number;
  build_s?: number;
  build_peak_rss_mb?: number;
  serve_rss_mb: number;
  disk_mb: number;
  p50_c1_ms: number;
  p99_c1_ms: number;
  p50_cN_ms: number;
  p99_cN_ms: number;
  concurrency: number;
  recall_at_10: number;
  filtered_p50_c1_ms: number;
  filtered_recall_at_10: number;
  queries: number;
  command: string;
  date: string;
}

const data = new Clustered(dim);
const queries = Array.from({ length: nQueries }, (_, j) => data.query(j));
const tag = `${N}x${dim}-ef${efConstruction}`;
const command = process.env.CARE_BENCH_COMMAND ?? `npm run bench:store -- ${args.join(" ")}`.trim();

const truthFile = join(cache, `truth-${tag}-q${nQueries}.json`);
function groundTruth(): { plain: string[][]; filtered: string[][] } {
  if (existsSync(truthFile)) return JSON.parse(readFileSync(truthFile, "utf8"));
  log(`exact top-10 of ${nQueries} queries over ${N} × ${dim} (and over the filter's matches)`);
  const t = performance.now();
  const plain: string[][] = queries.map(() => []);
  const filtered: string[][] = queries.map(() => []);
  // In slices of 100k rows, merged, so 1M × 768 never sits in memory at once.
  const slice = 100_000;
  const merge = (into: { id: string; score: number }[][], part: { id: string; score: number }[][]) =>
    part.forEach(
      (hits, q) => (into[q] = [...into[q], ...hits].sort((a, b) => b.score - a.score).slice(0, 10)),
    );
  const best: { id: string; score: number }[][] = queries.map(() => []);
  const bestF: { id: string; score: number }[][] = queries.map(() => []);
  for (let from = 0; from < N; from += slice) {
    const rows = Math.min(slice, N - from);
    const block = new Float32Array(rows * dim);
    const ids: string[] = [];
    const fBlock = new Float32Array(Math.ceil(rows / SHARDS + 1) * dim);
    const fIds: string[] = [];
    for (let i = 0; i < rows; i++) {
      const v = data.doc(from + i);
      block.set(v, i * dim);
      ids.push(`v${from + i}`);
      if ((from + i) % SHARDS === 3) {
        fBlock.set(v, fIds.length * dim);
        fIds.push(`v${from + i}`);
      }
    }
    merge(best, exactTopK(queries, { data: block, rows, dim }, ids, 10));
    merge(bestF, exactTopK(queries, { data: fBlock, rows: fIds.length, dim }, fIds, 10));
    log(`  exact: ${from + rows}/${N} rows, ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  best.forEach((h, q) => (plain[q] = h.map((x) => x.id)));
  bestF.forEach((h, q) => (filtered[q] = h.map((x) => x.id)));
  const out = { plain, filtered };
  writeFileSync(truthFile, JSON.stringify(out));
  return out;
}

async function corpusFile(): Promise<string> {
  const file = join(cache, `corpus-${N}.jsonl`);
  if (existsSync(file)) return file;
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(`{"_id":"v${i}","text":"","shard":${i % SHARDS}}`);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** Latency of every query with `c` in flight at once (each timed from its own start). */
async function latencies(
  store: VectorStore,
  c: number,
  filter?: Filter,
): Promise<{ ms: number[]; ids: string[][] }> {
  const ms: number[] = new Array<number>(queries.length);
  const ids: string[][] = new Array<string[]>(queries.length);
  let next = 0;
  const worker = async () => {
    for (let j = next++; j < queries.length; j = next++) {
      const t = performance.now();
      const hits = await store.search(queries[j], 10, filter);
      ms[j] = performance.now() - t;
      ids[j] = hits.map((h) => h.id);
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  return { ms, ids };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function rssMb(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
}

/** RSS of the largest PostgreSQL process (a backend serving this bench; shared buffers included). */
function postgresRssMb(): number {
  try {
    const out = execFileSync("ps", ["-u", "postgres", "-o", "rss="], { encoding: "utf8" });
    return Math.max(...out.split("\n").filter(Boolean).map(Number)) / 1024;
  } catch {
    return NaN;
  }
}

async function run(backend: string): Promise<Row> {
  const corpus = await corpusFile();
  let location: string;
  if (backend === "embedded") location = join(cache, `embedded-${tag}`);
  else {
    const name = `care_bench_${tag.replace(/[^a-z0-9]/gi, "_")}`.toLowerCase();
    const admin = new pg.Client({ connectionString: pgAdmin });
    await admin.connect();
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!exists.rowCount) await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(pgAdmin);
    u.pathname = `/${name}`;
    location = u.toString();
  }
  const complete =
    backend === "embedded"
      ? readManifest(location)?.sources.every((s) => s.complete)
      : await PgStore.open(location).then(
          (s) => s.close().then(() => true),
          () => false,
        );
  let build: { seconds: number; peak: number } | undefined;
  if (!complete) {
    log(`building ${backend} ${tag}`);
    const r = await buildIndex({
      corpus,
      out: location,
      encoders: [new SyntheticDocs(data)],
      batchSize: 2000,
      expansionAdd: efConstruction,
      expansionSearch: efSearch,
      maintenanceWorkMem: "4GB",
    });
    build = { seconds: r.seconds, peak: process.resourceUsage().maxRSS / 1024 };
  }
  const truth = groundTruth();
  const before = rssMb();
  const store =
    backend === "embedded"
      ? EmbeddedStore.open(location, { expansionSearch: efSearch })
      : await PgStore.open(location, { expansionSearch: efSearch, poolSize: concurrency });
  try {
    await latencies(store, 1); // warm-up: page in the graph as a serving process would
    const c1 = await latencies(store, 1);
    const cN = await latencies(store, concurrency);
    const f1 = await latencies(store, 1, FILTER);
    const disk = backend === "embedded" ? dirBytes(location) : await (store as PgStore).bytes();
    const row: Row = {
      backend,
      docs: N,
      dim,
      ef_construction: efConstruction,
      ef_search: efSearch,
      ...(build ? { build_s: build.seconds, build_peak_rss_mb: build.peak } : {}),
      serve_rss_mb: backend === "embedded" ? rssMb() - before : postgresRssMb(),
      disk_mb: disk / 2 ** 20,
      p50_c1_ms: pct(c1.ms, 50),
      p99_c1_ms: pct(c1.ms, 99),
      p50_cN_ms: pct(cN.ms, 50),
      p99_cN_ms: pct(cN.ms, 99),
      concurrency,
      recall_at_10: recallAtK(c1.ids, truth.plain, 10),
      filtered_p50_c1_ms: pct(f1.ms, 50),
      filtered_recall_at_10: recallAtK(f1.ids, truth.filtered, 10),
      queries: nQueries,
      command,
      date: new Date().toISOString(),
    };
    log(JSON.stringify(row));
    return row;
  } finally {
    await store.close();
  }
}

mkdirSync(cache, { recursive: true });
const readRows = (): Row[] => (existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : []);
if (args.includes("--markdown-only")) writeMarkdown(readRows());
else if (backends.length > 1) {
  // One process per backend, so each build's peak RSS is its own (maxRSS never goes down).
  const at = args.indexOf("--backend");
  const own = at >= 0 ? [...args.slice(0, at), ...args.slice(at + 2)] : args;
  for (const b of backends)
    execFileSync(process.execPath, [...process.execArgv, process.argv[1], ...own, "--backend", b], {
      stdio: "inherit",
      env: { ...process.env, CARE_BENCH_COMMAND: command },
    });
} else {
  const row = await run(backends[0]);
  // Read now, not at the start: another run may have added rows meanwhile.
  const previous = readRows();
  const same = (r: Row) =>
    r.backend === row.backend &&
    r.docs === row.docs &&
    r.dim === row.dim &&
    r.ef_search === row.ef_search &&
    r.ef_construction === row.ef_construction;
  const old = previous.find(same);
  // A reused index keeps the build figures of the run that built it.
  if (!row.build_s && old?.build_s)
    Object.assign(row, { build_s: old.build_s, build_peak_rss_mb: old.build_peak_rss_mb });
  const rows = [...previous.filter((r) => !same(r)), row];
  writeFileSync(resultsFile, JSON.stringify(rows, null, 2));
  writeMarkdown(rows);
}

function writeMarkdown(rows: Row[]): void {
  const f = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));
  const mb = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "–" : `${x.toFixed(0)} MB`);
  const sorted = [...rows].sort(
    (a, b) => a.dim - b.dim || b.docs - a.docs || a.backend.localeCompare(b.backend),
  );
  const lines = [
    "# Store benchmark (`npm run bench:store`)",
    "",
    "Written by `scripts/bench-store.ts`; every figure below was produced by the command in its row, on this",
    "project's shared 2-core machine (other agents' jobs running), Node 20, PostgreSQL 15.20 with pgvector 0.8.6",
    "(default server settings: shared_buffers 128 MB), usearch 2.25.3. Data: seeded clustered unit vectors (1,000",
    "Gaussian clusters of varied spread); queries drawn the same way; filter `shard = 3` matches 10% of the",
    "documents, independently of the clusters. Recall@10 is against exact search over the same vectors, on the",
    "`queries` given. HNSW: M 16, ef_construction and ef_search as listed, the same for both backends.",
    "",
    "| backend | docs × dim | ef_c / ef_s | build | build peak RSS (bench process) | serving memory | disk | p50 / p99 c=1 | p50 / p99 c=16 | recall@10 | filtered p50 c=1 | filtered recall@10 |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...sorted.map(
      (r) =>
        `| ${r.backend} | ${r.docs.toLocaleString("en")} × ${r.dim} | ${r.ef_construction} / ${r.ef_search} | ` +
        `${r.build_s ? `${f(r.build_s / 60)} min` : "–"} | ${mb(r.build_peak_rss_mb)} | ${mb(r.serve_rss_mb)} | ${mb(r.disk_mb)} | ` +
        `${f(r.p50_c1_ms, 2)} / ${f(r.p99_c1_ms, 2)} ms | ${f(r.p50_cN_ms, 2)} / ${f(r.p99_cN_ms, 2)} ms | ` +
        `${f(r.recall_at_10, 3)} | ${f(r.filtered_p50_c1_ms, 2)} ms | ${f(r.filtered_recall_at_10, 3)} |`,
    ),
    "",
    "pgvector p50 / embedded p50 (c=1, unfiltered), where both were measured on the same index settings:",
    "",
    ...sorted
      .filter((r) => r.backend === "postgres")
      .flatMap((p) => {
        const e = sorted.find(
          (r) =>
            r.backend === "embedded" &&
            r.docs === p.docs &&
            r.dim === p.dim &&
            r.ef_search === p.ef_search &&
            r.ef_construction === p.ef_construction,
        );
        const size = `${p.docs.toLocaleString("en")} × ${p.dim}, ef_c ${p.ef_construction} / ef_s ${p.ef_search}`;
        return e ? [`- ${size}: ${(p.p50_c1_ms / e.p50_c1_ms).toFixed(1)}×`] : [];
      }),
    "",
    "Columns: *build* is `care index`'s path (`buildIndex`: vectors generated, written in batches of 2,000, HNSW",
    "built; for PostgreSQL the HNSW index is created after the rows are loaded). *build peak RSS*: the bench",
    "process (for PostgreSQL the client side only; the server builds the HNSW index with maintenance_work_mem",
    "4GB). *serving memory*: embedded, the",
    "growth of the bench process's RSS from opening the store through the queries (the memory-mapped graph pages",
    "it touched); PostgreSQL, the RSS of its largest server process (shared buffers included). *disk*: the index",
    "folder, or `pg_total_relation_size` of the table with its HNSW and GIN indexes. Latency is per query, from",
    "the client's call to its answer (the 10 hits' text included), after one warm-up pass over the queries; with",
    "16 in flight the embedded store (synchronous, one thread) answers them one after another, so its c=16",
    "latency includes the wait. Commands:",
    "",
    ...[...new Set(sorted.map((r) => r.command))].map((c) => `    ${c}`),
    "",
  ];
  mkdirSync(dirname(resolve("docs/bench-store.md")), { recursive: true });
  writeFileSync("docs/bench-store.md", lines.join("\n"));
  // The table's columns aligned as the repository's prettier check wants them.
  execFileSync(process.execPath, [
    resolve("node_modules/prettier/bin/prettier.cjs"),
    "--write",
    "docs/bench-store.md",
  ]);
  log("wrote docs/bench-store.md");
}
