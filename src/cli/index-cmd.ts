import { Option, type Command } from "commander";
import { positiveInt, positiveNumber } from "./args.js";
import type { Embedder } from "../core/embedder.js";
import { loadEmbedder } from "../embed/load.js";
import { parseSpec, SPEC_GRAMMAR } from "../core/spec.js";
import { buildIndex, DOCUMENTS_ONLY } from "../store/build.js";
import { buildBm25Side } from "../lexical/bm25-side.js";
import { displayLocation, isPostgresUrl } from "../store/location.js";
import { QUANTIZATIONS, type Quantization } from "../store/manifest.js";
import { CareError } from "../core/errors.js";
import { printResult } from "./output.js";

interface IndexOptions {
  doc: string;
  corpus: string;
  out?: string;
  store?: string;
  append?: boolean;
  endpoint: string[];
  batchSize?: number;
  concurrency?: number;
  quantization: Quantization;
  connectivity?: number;
  efConstruction?: number;
  efSearch?: number;
  threads?: number;
  saveEvery?: number;
}

/**
 * The document encoders for a run: the spec's model, and with --endpoint the same OpenAI-compatible
 * model on every listed server, each an encoder of its own so batches fan out across them.
 */
async function openEncoders(spec: string, endpoints: string[], threads?: number): Promise<Embedder[]> {
  const parsed = parseSpec(spec);
  if (parsed.kind === "bm25") return [DOCUMENTS_ONLY];
  if (endpoints.length === 0) return [await loadEmbedder(parsed, { threads })];
  if (parsed.kind !== "openai")
    throw new CareError(`--endpoint needs an openai:<base-url>#<model> --doc spec, got "${spec}"`);
  const urls = [...new Set([parsed.baseUrl, ...endpoints.map((u) => u.replace(/\/+$/, ""))])];
  return Promise.all(urls.map((baseUrl) => loadEmbedder({ ...parsed, baseUrl })));
}

export function register(program: Command): void {
  program
    .command("index")
    .description(
      "encode a corpus with the document encoder into a searchable index, with its BM25 side (resumable)",
    )
    .requiredOption(
      "--doc <spec>",
      `document encoder (bm25: documents and their BM25 side only, no vectors): ${SPEC_GRAMMAR}`,
    )
    .requiredOption("--corpus <path>", "corpus JSONL ({_id,text,title?} a line) or a task folder")
    .option("--out <dir>", "index folder (created; an existing one is resumed)")
    .option(
      "--store <dir|url>",
      "where the index goes: a folder (as --out) or postgres://user@host:port/db (PostgreSQL + pgvector)",
    )
    .option("--append", "add this corpus to an index built from another one")
    .option(
      "--endpoint <url>",
      "another OpenAI-compatible server of the --doc model (repeatable); batches fan out across all",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--batch-size <n>", "documents per encoder call", positiveInt)
    .option("--concurrency <n>", "batches in flight per encoder (default 2 for remote, 1 local)", positiveInt)
    .addOption(
      new Option("--quantization <kind>", "vectors in the ANN graph (new index only)")
        .choices(QUANTIZATIONS)
        .default("f32"),
    )
    .option("--connectivity <n>", "HNSW edges per node (new index only)", positiveInt)
    .option("--ef-construction <n>", "HNSW build width (new index only)", positiveInt)
    .option("--ef-search <n>", "HNSW default search width (new index only)", positiveInt)
    .option("--threads <n>", "threads for an in-process encoder", positiveInt)
    .option("--save-every <seconds>", "seconds between saves of the ANN graph (default 120)", positiveNumber)
    .action(async (opts: IndexOptions) => {
      const out = opts.store ?? opts.out;
      if (!out || (opts.store && opts.out))
        throw new CareError("give the index's place once: --out <dir> or --store <dir|postgres://…>");
      const encoders = await openEncoders(opts.doc, opts.endpoint, opts.threads);
      const remote = parseSpec(opts.doc).kind === "openai";
      try {
        const r = await buildIndex({
          corpus: opts.corpus,
          out,
          encoders,
          concurrency: opts.concurrency ?? (remote ? 2 : 1),
          append: opts.append,
          batchSize: opts.batchSize,
          quantization: opts.quantization,
          connectivity: opts.connectivity,
          expansionAdd: opts.efConstruction,
          expansionSearch: opts.efSearch,
          saveEverySeconds: opts.saveEvery,
        });
        if (r.skips.count) process.stderr.write(`skipped ${r.skips.count} rows:\n${r.skips.summary()}\n`);
        // The BM25 side lives beside an index folder (PostgreSQL indexes are served dense).
        if (!isPostgresUrl(out)) buildBm25Side(out);
        printResult(
          {
            out: displayLocation(out),
            added: r.added,
            alreadyStored: r.alreadyStored,
            total: r.total,
            seconds: r.seconds,
            skipped: r.skips.count,
          },
          `indexed ${r.added} new documents (${r.alreadyStored} already stored) in ${r.seconds.toFixed(1)}s; ` +
            `${displayLocation(out)} holds ${r.total}`,
        );
      } finally {
        await Promise.all(encoders.map((e) => e.close?.()));
      }
    });
}
