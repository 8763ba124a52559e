import { Option, type Command } from "commander";
import { nonNegativeInt, positiveInt } from "./args.js";
import { parseFusionText, SPEC_GRAMMAR, type Fusion } from "../core/spec.js";
import { RETRIEVERS, type RetrieverKind } from "../serve/retriever.js";
import { CareError } from "../core/errors.js";
import { createServer } from "../serve/server.js";
import { printResult } from "./output.js";

interface ServeOptions {
  index?: string;
  store?: string;
  query?: string;
  retriever?: RetrieverKind;
  fusion?: Fusion;
  port: number;
  host: string;
  threads?: number;
  maxQueue?: number;
  maxBatch?: number;
  exact?: boolean;
  efSearch?: number;
  rescore?: number;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description(
      "serve an index: POST /search, POST /v1/embeddings (OpenAI-compatible), /healthz, /metrics, a search page at /, " +
        "and with CARE_ADMIN_TOKEN set, POST and DELETE /admin/documents",
    )
    .option("--index <dir>", "index folder written by care index")
    .option("--store <dir|url>", "the index: a folder (as --index) or postgres://user@host:port/db")
    .option(
      "--query <spec>",
      `query encoder (must pair with the index's document encoder; not needed by --retriever bm25): ${SPEC_GRAMMAR}`,
    )
    .addOption(
      new Option(
        "--retriever <kind>",
        "what answers /search: the vectors (dense), the BM25 side (bm25), or both fused (hybrid); " +
          "default dense with --query, bm25 without",
      ).choices(RETRIEVERS),
    )
    .option(
      "--fusion <f>",
      "how hybrid fuses: rrf (reciprocal rank fusion, k 60), rrf=<k>, or blend=<w> (dense weight w)",
      parseFusionText,
    )
    .option("--port <n>", "port (0 picks a free one)", nonNegativeInt, 8080)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--threads <n>", "threads for the query encoder", positiveInt)
    .option("--max-queue <n>", "requests that may wait for the encoder before 429", positiveInt)
    .option("--max-batch <n>", "queued texts encoded in one call", positiveInt)
    .option("--exact", "score every document instead of searching the HNSW graph")
    .option("--ef-search <n>", "HNSW search width (wider: slower, closer to exact)", positiveInt)
    .option(
      "--rescore <n>",
      "for int8/f16 graphs: candidates per hit rescored with float vectors",
      positiveInt,
    )
    .action(async (opts: ServeOptions) => {
      const index = opts.store ?? opts.index;
      if (!index || (opts.store && opts.index))
        throw new CareError("give the index once: --index <dir> or --store <dir|postgres://…>");
      const server = await createServer({
        index,
        // The token comes from the environment only, so it never shows in `ps` or shell history.
        adminToken: process.env.CARE_ADMIN_TOKEN || undefined,
        query: opts.query,
        retriever: opts.retriever,
        fusion: opts.fusion,
        threads: opts.threads,
        maxQueue: opts.maxQueue,
        maxBatch: opts.maxBatch,
        indexOptions: {
          mode: opts.exact ? "exact" : "ann",
          expansionSearch: opts.efSearch,
          rescore: opts.rescore,
        },
      });
      const url = await server.listen(opts.port, opts.host);
      const documents = await server.index.count();
      printResult(
        {
          url,
          documents,
          store: server.index.backend,
          retriever: server.retriever,
          openapi: `${url}/openapi.json`,
        },
        `care serve: ${documents} documents (${server.index.backend}), ${server.retriever} retriever, search page at ${url}/`,
      );
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`care serve: ${signal}, finishing requests in flight\n`);
        server.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`care serve: ${(e as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    });
}
