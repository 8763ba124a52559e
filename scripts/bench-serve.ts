/**
 * `npm run bench:serve [-- --quick] [-- --docs N --seconds S --out FILE]`: load on `care serve` over
 * loopback with autocannon, for the asymmetric setup (a bert-base-shape query encoder) and the
 * symmetric one (a qwen3-0.6b-shape query encoder), at concurrency 1, 8 and 32.
 *
 * The models are make-tiny checkpoints of the real shapes (random weights: latency is what is measured,
 * and it does not depend on the weights). The indexes hold random unit vectors of low intrinsic
 * dimension, standing in for document embeddings (their ANN cost is that of real ones); they are built
 * once into .cache/bench-serve and reused. `--quick` is a smoke run: tiny models, 2k documents, 2 s.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import { normalize, type Doc, type Embedder } from "../src/embed/embedder.js";
import { loadEmbedder } from "../src/embed/load.js";
import { buildIndex } from "../src/index/build.js";
import { readManifest } from "../src/index/manifest.js";
import { makeTiny, type MakeTinyOptions } from "../src/models/make-tiny.js";
import { writeFileAtomic } from "../src/util/atomic.js";

/** The part of autocannon's API used here (it ships no type declarations). */
interface LoadResult {
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
  errors: number;
  non2xx: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: Record<string, unknown>,
) => Promise<LoadResult>;

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : def;
};
const quick = flag("quick");
const docs = Number(value("docs", quick ? "2000" : "100000"));
const seconds = Number(value("seconds", quick ? "2" : "10"));
const out = value("out", quick ? "results/bench-serve-quick.json" : "results/bench-serve.json");
const cache = resolve(".cache/bench-serve");
const CONCURRENCY = [1, 8, 32];

interface Setup {
  label: string;
  tiny: MakeTinyOptions;
}

const setups: Setup[] = [
  {
    label: "asymmetric (bert-base-shape query encoder)",
    tiny: quick
      ? { out: join(cache, "bert-tiny"), family: "bert" }
      : { out: join(cache, "bert-base"), shape: "bert-base" },
  },
  {
    label: "symmetric (qwen3-0.6b-shape query encoder)",
    tiny: quick
      ? { out: join(cache, "qwen3-tiny"), family: "qwen3" }
      : { out: join(cache, "qwen3-0.6b"), shape: "qwen3-0.6b", dtype: "F32" },
  },
];

/**
 * Builds the random-vector index for a query model: it records the query model as its document side
 * too, which is exactly what a symmetric index of that model would record, so `care serve` accepts it.
 */
class RandomDocuments implements Embedder {
  readonly name: string;
  readonly dim: number;
  private readonly basis: Float32Array[];
  private seed = 12345;
  constructor(private readonly model: Embedder) {
    this.name = model.name;
    this.dim = model.dim;
    this.basis = Array.from({ length: 32 }, () =>
      Float32Array.from({ length: this.dim }, () => this.gauss()),
    );
  }
  private uniform(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  private gauss(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
  async encodeQueries(): Promise<Float32Array[]> {
    throw new Error("documents only");
  }
  async encodeCorpus(batch: Doc[]): Promise<Float32Array[]> {
    return batch.map(() => {
      const v = Float32Array.from({ length: this.dim }, () => 0.1 * this.gauss());
      for (const b of this.basis) {
        const z = this.gauss();
        for (let j = 0; j < this.dim; j++) v[j] += z * b[j];
      }
      return normalize(v);
    });
  }
  describe() {
    return this.model.describe!();
  }
}

async function prepare(setup: Setup): Promise<{ model: string; index: string; dim: number }> {
  const dir = setup.tiny.out;
  if (!existsSync(join(dir, "config.json"))) makeTiny({ ...setup.tiny, progress: true });
  const model = await loadEmbedder(`hf:${dir}`);
  const index = join(cache, `${dir.split("/").pop()}-${docs}`);
  if (!readManifest(index)?.sources.every((src) => src.complete)) {
    const corpus = join(cache, `corpus-${docs}.jsonl`);
    if (!existsSync(corpus))
      writeFileSync(
        corpus,
        Array.from({ length: docs }, (_, i) =>
          JSON.stringify({ _id: `doc-${i}`, text: `随机文档 ${i}` }),
        ).join("\n"),
      );
    await buildIndex({ corpus, out: index, encoders: [new RandomDocuments(model)], batchSize: 1000 });
  }
  const dim = model.dim;
  await model.close?.();
  return { model: `hf:${dir}`, index, dim };
}

function startServe(model: string, index: string): Promise<{ child: ChildProcess; url: string }> {
  const cli = resolve("src/cli/main.ts");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", cli, "serve", "--index", index, "--query", model, "--port", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((ok, fail) => {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += d;
      const m = /search page at (http:\/\/\S+?)\/\n/.exec(buf);
      if (m) ok({ child, url: m[1] });
    });
    child.on("exit", (code) => fail(new Error(`care serve exited with ${code}`)));
  });
}

interface Row {
  concurrency: number;
  p50_ms: number;
  p99_ms: number;
  qps: number;
  requests: number;
  errors: number;
  non_2xx: number;
}

async function load(url: string, connections: number, duration: number): Promise<Row> {
  const r = await autocannon({
    url: `${url}/search`,
    method: "POST",
    headers: { "content-type": "application/json" },
    // A distinct query per request, as real traffic has (no cache could answer it).
    body: JSON.stringify({ query: "糖尿病患者可以吃西瓜吗？血糖高的时候吃水果要注意什么 [<id>]", top_k: 10 }),
    idReplacement: true,
    connections,
    duration,
  });
  return {
    concurrency: connections,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    qps: r.requests.average,
    requests: r.requests.total,
    errors: r.errors,
    non_2xx: r.non2xx,
  };
}

const results: { setup: string; model: string; dim: number; rows: Row[] }[] = [];
for (const setup of setups) {
  const { model, index, dim } = await prepare(setup);
  const { child, url } = await startServe(model, index);
  try {
    await load(url, 1, 1); // warm-up: first ONNX runs allocate
    const rows: Row[] = [];
    for (const c of CONCURRENCY) {
      const row = await load(url, c, seconds);
      process.stderr.write(
        `${setup.label} c=${c}: p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.qps} QPS\n`,
      );
      rows.push(row);
    }
    results.push({ setup: setup.label, model, dim, rows });
  } finally {
    child.kill("SIGTERM");
  }
}

const [asym, sym] = results;
const ratio = CONCURRENCY.map((c, i) => ({
  concurrency: c,
  p50_symmetric_over_asymmetric: sym.rows[i].p50_ms / asym.rows[i].p50_ms,
  qps_asymmetric_over_symmetric: asym.rows[i].qps / sym.rows[i].qps,
}));
writeFileAtomic(
  out,
  JSON.stringify(
    {
      quick,
      documents: docs,
      index:
        "random unit vectors (32 latent dimensions plus noise), f32 HNSW M=16 ef_construction=128 ef_search=128",
      models: "make-tiny checkpoints of the named shapes, random weights, fp32",
      seconds_per_level: seconds,
      host: { cpus: cpus().length, node: process.version },
      results,
      ratio,
    },
    null,
    2,
  ) + "\n",
);
process.stderr.write(`wrote ${out}\n`);
