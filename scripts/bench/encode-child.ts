/**
 * One `bench:encode` configuration, alone in its own process so that its peak RSS is its own:
 * `node --import tsx scripts/bench/encode-child.ts <config JSON> <result file>`.
 *
 * Opens the engine, warms it up, times single queries and the fixed probe one call at a time, then
 * document batches, and writes a ConfigResult (atomically) with the embeddings it produced.
 */
import { loadavg } from "node:os";
import { basename, dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { GgufEmbedder } from "../../src/embed/gguf.js";
import { HfEmbedder } from "../../src/embed/hf.js";
import { TextTokenizer } from "../../src/tokenize/tokenizer.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { Progress } from "../../src/util/progress.js";
import { packRows, type ConfigResult, type DocThroughput, type EncodeConfig } from "./encode-config.js";
import { percentile, summarizeLatency } from "./stats.js";
import { benchDocuments, benchQueries, medicalText, seededRandom } from "./texts.js";

/** The same three calls over every engine; texts go in as they are (no query instruction). */
interface Runner {
  encode(texts: string[]): Promise<Float32Array[]>;
  /** Tokens the engine evaluates for a text, special tokens included. */
  tokens(text: string): number;
  close(): Promise<void>;
}

async function openRunner(c: EncodeConfig): Promise<Runner> {
  if (c.engine === "onnx") {
    const e = await HfEmbedder.open(c.model, {
      threads: c.threads,
      quantize: c.precision === "int8" ? "int8" : undefined,
      maxLength: c.maxTokens,
      batchSize: c.workload.docBatchSize,
    });
    const appendEos = e.card.pooling === "last";
    return {
      encode: (texts) => e.encodeTexts(texts),
      tokens: (text) => e.tokenizer.encode(text, c.maxTokens, appendEos).length,
      close: () => e.close(),
    };
  }
  if (c.engine === "gguf") {
    // CPU only and one context: the same two threads ONNX Runtime gets, on the same cores.
    const e = await GgufEmbedder.open(c.model, {
      threads: c.threads,
      contexts: 1,
      maxTokens: c.maxTokens,
      gpu: false,
    });
    return {
      encode: (texts) => e.encodeCorpus(texts.map((text, i) => ({ id: String(i), text }))),
      tokens: (text) => e.tokenize(text).length,
      close: () => e.close(),
    };
  }
  // The peer: transformers.js on the very ONNX file our BERT graph exports, offline, with the session
  // options our Session uses, so the comparison is the two libraries' code around the same runtime.
  const { env, pipeline } = await import("@huggingface/transformers");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(c.model);
  const extractor = await pipeline("feature-extraction", basename(c.model), {
    dtype: "fp32",
    session_options: {
      intraOpNumThreads: c.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      executionMode: "sequential",
    },
  });
  const tokenizer = TextTokenizer.load(c.model);
  return {
    encode: async (texts) => {
      const t = await extractor(texts, { pooling: "cls", normalize: true });
      const data = t.data as Float32Array;
      const dim = t.dims[1];
      return texts.map((_, i) => data.slice(i * dim, (i + 1) * dim));
    },
    tokens: (text) => tokenizer.encode(text, c.maxTokens).length,
    close: () => extractor.dispose(),
  };
}

/**
 * Wall time, and CPU time of the whole process (every engine thread) over the call. On a shared
 * machine the wall time grows with the load; CPU time much less, so it bounds what a quiet machine
 * would show: about CPU time / threads when the threads are busy throughout.
 */
async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, value };
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

async function run(c: EncodeConfig, resultFile: string): Promise<void> {
  const w = c.workload;
  const start = loadavg();
  const beforeLoad = process.memoryUsage().rss;
  const load = await timed(() => openRunner(c));
  const runner = load.value;
  if (c.prepare) {
    await runner.close();
    writeFileAtomic(resultFile, JSON.stringify({ id: c.id, prepared: true }) + "\n");
    return;
  }
  const afterLoad = process.memoryUsage().rss;

  for (const q of benchQueries(w.warmupQueries, w.queryMinChars, w.queryMaxChars, w.seed + 1))
    await runner.encode([q]);

  const queries = benchQueries(w.queries, w.queryMinChars, w.queryMaxChars, w.seed);
  const queryMs: number[] = [];
  const queryCpuMs: number[] = [];
  const queryRows: Float32Array[] = [];
  const progress = new Progress(`${c.id} queries`, w.queries, "queries");
  const queryStart = performance.now();
  for (const q of queries) {
    if (queryMs.length >= w.minQueries && performance.now() - queryStart > w.queryBudgetS * 1000) break;
    const r = await timed(() => runner.encode([q]));
    queryMs.push(r.ms);
    queryCpuMs.push(r.cpuMs);
    queryRows.push(r.value[0]);
    progress.tick();
  }
  progress.finish();
  const queryTokens = queries.slice(0, queryMs.length).map((q) => runner.tokens(q));

  let probe: ConfigResult["probe"] = null;
  if (w.probeChars !== null) {
    const text = medicalText(w.probeChars, seededRandom(w.seed + 2));
    const ms: number[] = [];
    const cpuMs: number[] = [];
    for (let i = 0; i < w.probeRuns; i++) {
      const r = await timed(() => runner.encode([text]));
      ms.push(r.ms);
      cpuMs.push(r.cpuMs);
    }
    probe = { ...summarizeLatency(ms), cpu_p50_ms: percentile(cpuMs, 50), tokens: runner.tokens(text) };
  }

  const docs = await documents(c, runner);
  const peak = process.resourceUsage().maxRSS * 1024;
  await runner.close();

  const result: ConfigResult = {
    id: c.id,
    shape: c.shape,
    engine: c.engine,
    precision: c.precision,
    threads: c.threads,
    load_s: load.ms / 1000,
    query: {
      ...summarizeLatency(queryMs),
      cpu_p50_ms: percentile(queryCpuMs, 50),
      mean_tokens: queryTokens.reduce((s, x) => s + x, 0) / queryTokens.length,
      min_tokens: Math.min(...queryTokens),
      max_tokens: Math.max(...queryTokens),
    },
    probe,
    docs: docs.throughput,
    rss_mb: { before_load: mb(beforeLoad), after_load: mb(afterLoad), peak: mb(peak) },
    loadavg: { start, end: loadavg() },
    measured_at: new Date().toISOString(),
    vectors: { dim: queryRows[0].length, queries: packRows(queryRows), docs: packRows(docs.firstBatch) },
  };
  writeFileAtomic(resultFile, JSON.stringify(result) + "\n");
}

async function documents(
  c: EncodeConfig,
  runner: Runner,
): Promise<{ throughput: DocThroughput; firstBatch: Float32Array[] }> {
  const w = c.workload;
  // Characters are one token each, so the text length is the token budget less the special tokens.
  const chars = w.docTokens - (runner.tokens("一") - 1);
  const texts = benchDocuments(w.docBatchSize * w.docBatches, chars, w.seed + 3);
  const got = runner.tokens(texts[0]);
  if (got !== w.docTokens) throw new Error(`${c.id}: a document is ${got} tokens, expected ${w.docTokens}`);
  await runner.encode(benchDocuments(1, chars, w.seed + 4));

  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let firstBatch: Float32Array[] = [];
  const progress = new Progress(`${c.id} documents`, texts.length, "docs");
  const begin = performance.now();
  for (let b = 0; b < w.docBatches; b++) {
    if (b > 0 && performance.now() - begin > w.docBudgetS * 1000) break;
    const batch = texts.slice(b * w.docBatchSize, (b + 1) * w.docBatchSize);
    const r = await timed(() => runner.encode(batch));
    seconds.push(r.ms / 1000);
    cpuSeconds.push(r.cpuMs / 1000);
    if (b === 0) firstBatch = r.value;
    progress.tick(batch.length);
  }
  progress.finish();
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const total = sum(seconds);
  const docsDone = seconds.length * w.docBatchSize;
  return {
    throughput: {
      batches: seconds.length,
      batch_size: w.docBatchSize,
      tokens_per_doc: w.docTokens,
      seconds_per_batch: seconds,
      docs_per_s: docsDone / total,
      tokens_per_s: (docsDone * w.docTokens) / total,
      cpu_seconds_per_batch: cpuSeconds,
      docs_per_cpu_s: docsDone / sum(cpuSeconds),
    },
    firstBatch,
  };
}

const [configJson, resultFile] = process.argv.slice(2);
const config = JSON.parse(configJson) as EncodeConfig;
run(config, resultFile).catch((e: Error) => {
  process.stderr.write(`${config.id}: ${e.message}\n`);
  process.exit(1);
});
