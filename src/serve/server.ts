import swagger from "@fastify/swagger";
import type { TSchema } from "@sinclair/typebox";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import type { Embedder, TaskHint } from "../core/embedder.js";
import { CareError } from "../core/errors.js";
import { DEFAULT_FUSION, type Fusion } from "../core/spec.js";
import { Bm25Side } from "../lexical/bm25-side.js";
import { parseFilter, type Filter } from "../store/filter.js";
import { EmbeddedStore } from "../store/embedded.js";
import { checkDocumentEncoder, checkQueryEncoder } from "../store/manifest.js";
import { openIndex, type OpenIndexOptions } from "../store/open.js";
import { StoreUnavailable, type VectorStore } from "../store/store.js";
import { adminRoutes } from "./admin.js";
import { indexTask } from "../store/search.js";
import { EncodeQueue, QueueFull } from "./encode-queue.js";
import {
  EncoderUnavailable,
  InProcessBackend,
  NoEncoderBackend,
  WorkerBackend,
  type EncodeBackend,
} from "./encoder-backend.js";
import { embeddingsResponse } from "./embeddings-response.js";
import { queryTerms } from "./highlight.js";
import { ServerMetrics, timedBackend } from "./metrics.js";
import { searchPage } from "./page.js";
import { createRetriever, type RetrieverKind } from "./retriever.js";
import {
  embeddingsBody,
  EmbeddingsResponseSchema,
  HealthSchema,
  responses,
  searchBody,
  SearchResponseSchema,
  type EmbeddingsBody,
  type SearchBody,
} from "./schemas.js";
import { compileCheck } from "../util/validate.js";
import type { Side } from "./worker-protocol.js";
import { VERSION } from "../util/version.js";

export interface ServerOptions {
  /** Index folder, PostgreSQL URL (`postgres://…`), or a store already opened. */
  index: string | VectorStore;
  /**
   * Model spec of the query encoder, run in a worker thread; or an Embedder, run in process. Only the
   * bm25 retriever does without one (and /v1/embeddings then answers model_not_found).
   */
  query?: string | Embedder;
  /** What answers /search; default dense with a query encoder, bm25 without. */
  retriever?: RetrieverKind;
  /** How the hybrid retriever fuses its two rankings (default reciprocal rank fusion, k 60). */
  fusion?: Fusion;
  /** A line the search page shows under its title (the demo says there which retriever it serves). */
  pageNote?: string;
  /** Threads the encoder's runtime may use. */
  threads?: number;
  /** Requests that may wait for the encoder; beyond it they are answered 429. Default 64. */
  maxQueue?: number;
  /** Texts encoded in one call when requests queue up. Default 32. */
  maxBatch?: number;
  /** Longest accepted query, in characters. Default 1000. */
  maxQueryChars?: number;
  /** Most inputs in one /v1/embeddings request, and the longest input in characters. */
  maxInputs?: number;
  maxInputChars?: number;
  /** Largest request body in bytes. Default 1 MiB. */
  bodyLimit?: number;
  /** How to open an index given as a folder. */
  indexOptions?: OpenIndexOptions;
  /** Bearer token for the /admin routes (document upsert and delete); without one they answer 403. */
  adminToken?: string;
}

export interface CareServer {
  readonly app: FastifyInstance;
  readonly index: VectorStore;
  readonly retriever: RetrieverKind;
  readonly queue: EncodeQueue;
  /** Starts listening; resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Graceful stop: refuses new requests, finishes those in flight, then releases encoder and index. */
  close(): Promise<void>;
}

/** An HTTP error with the OpenAI-style type its JSON body carries. */
class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly code?: string,
    /** The request field at fault, as OpenAI's `param`. */
    readonly param?: string,
  ) {
    super(message);
  }
}

const ERROR_TYPES: Record<number, string> = { 429: "rate_limit_error", 503: "service_unavailable" };

/**
 * `care serve`: the online half of CARE. Queries are encoded by the small query encoder (in a worker
 * thread, behind a bounded batching queue) and answered from the index the large document encoder built.
 */
export async function createServer(options: ServerOptions): Promise<CareServer> {
  const index =
    typeof options.index === "string" ? await openIndex(options.index, options.indexOptions) : options.index;
  const retriever = options.retriever ?? (options.query ? "dense" : "bm25");
  let backend: EncodeBackend;
  let bm25: Bm25Side | undefined;
  let documents: number;
  try {
    documents = await index.count();
    if (retriever !== "bm25" && index.manifest.dim === 0)
      throw new CareError(
        `this index holds documents only; serve it with the bm25 retriever`,
        index.location,
      );
    if (retriever !== "bm25" && !options.query)
      throw new CareError(`the ${retriever} retriever needs a query encoder`);
    // The BM25 side is kept beside an index folder, keyed by its SQLite rows.
    if (retriever !== "dense" && !(index instanceof EmbeddedStore))
      throw new CareError(
        `the ${retriever} retriever needs an index folder; ${index.location} is served dense only`,
      );
    if (retriever !== "dense") bm25 = Bm25Side.open(index.location, documents);
    backend =
      options.query === undefined
        ? new NoEncoderBackend()
        : typeof options.query === "string"
          ? await WorkerBackend.start(options.query, options.threads)
          : new InProcessBackend(options.query);
  } catch (e) {
    await index.close();
    throw e;
  }
  try {
    if (options.query !== undefined) checkQueryEncoder(index.manifest, backend.info, index.location);
  } catch (e) {
    await backend.close();
    await index.close();
    throw e;
  }
  // Whether this server's encoder may encode documents for /admin upserts (else they carry embeddings).
  const encodesDocuments = (() => {
    try {
      checkDocumentEncoder(index.manifest, backend.info, index.location);
      return options.query !== undefined;
    } catch {
      return false;
    }
  })();
  /** The document count, refreshed by /healthz and updates (the gauge and page title read it). */
  const recount = async () => (documents = await index.count());

  const limits = {
    maxQueryChars: options.maxQueryChars ?? 1000,
    maxInputs: options.maxInputs ?? 256,
    maxInputChars: options.maxInputChars ?? 8192,
  };
  const metrics: ServerMetrics = new ServerMetrics({
    queueDepth: () => queue.depth,
    documents: () => documents,
  });
  const queue: EncodeQueue = new EncodeQueue(timedBackend(backend, metrics), {
    maxQueue: options.maxQueue ?? 64,
    maxBatch: options.maxBatch ?? 32,
  });
  const specName = typeof options.query === "string" ? options.query : options.query?.name;
  const modelName = backend.info.name;
  let closing = false;

  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
  });
  // Bodies are checked by the one validator against the TypeBox schemas (no coercion: a string "5" is
  // not a top_k; unknown fields are errors, not dropped). Responses are plain JSON: their schemas are
  // for /openapi.json only.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const check = compileCheck(schema as TSchema, httpPart ?? "body");
    return (value: unknown) => {
      const v = check(value);
      return v ? { error: new HttpError(400, v.message, undefined, undefined, v.field) } : { value };
    };
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "care serve", version: VERSION, description: "Chinese medical retrieval (CARE)." },
    },
  });
  // JSON only: without this, text/plain bodies reach the handlers as strings.
  app.removeContentTypeParser("text/plain");

  app.addHook("onRequest", async (req) => {
    (req as { started?: bigint }).started = process.hrtime.bigint();
    if (closing && req.url !== "/metrics")
      throw new HttpError(503, "the server is shutting down", "service_unavailable");
  });
  // Responses finished while closing end their keep-alive connection; otherwise close() would wait
  // for the client's idle timeout.
  app.addHook("onSend", async (_req, reply) => {
    if (closing) void reply.header("connection", "close");
  });
  app.addHook("onResponse", async (req, reply) => {
    const started = (req as { started?: bigint }).started ?? process.hrtime.bigint();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.observeRequest(req.routeOptions.url ?? "unmatched", req.method, reply.statusCode, seconds);
  });

  app.setErrorHandler((err: FastifyError | HttpError | Error, req, reply) => {
    let status = 500;
    let message = err.message;
    let type = "server_error";
    let code: string | undefined;
    let param: string | undefined;
    if (err instanceof HttpError) ({ statusCode: status, type, code, param } = err);
    else if (err instanceof QueueFull) {
      status = 429;
      void reply.header("retry-after", "1");
    } else if (err instanceof EncoderUnavailable || err instanceof StoreUnavailable) status = 503;
    else if ("code" in err && err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      status = 415;
      message = `content-type must be application/json, got ${JSON.stringify(req.headers["content-type"] ?? "none")}`;
    } else if ("statusCode" in err && typeof err.statusCode === "number" && err.statusCode >= 400) {
      status = err.statusCode;
    }
    if (status >= 400 && status < 500 && type === "server_error")
      type = ERROR_TYPES[status] ?? "invalid_request_error";
    if (status === 503) type = "service_unavailable";
    if (status >= 500) app.log.error(err);
    return reply
      .status(status)
      .send({ error: { message, type, ...(code ? { code } : {}), ...(param ? { param } : {}) } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } }),
  );

  // The task whose instruction queries take: the index's own; naming any other is an error, since its
  // instruction is unknown here and the query would silently be encoded without one.
  const taskHint = (name: string | undefined): TaskHint | undefined => {
    const def = index.manifest.task;
    if (name !== undefined && name !== def?.name)
      throw new HttpError(
        400,
        `body.task: unknown task ${JSON.stringify(name)}; ${def ? `this index serves "${def.name}"` : "this index names no task"}`,
        "invalid_request_error",
        "unknown_task",
        "task",
      );
    return indexTask(index);
  };

  const encodeOne = async (side: Side, text: string, task?: TaskHint): Promise<Float32Array> =>
    (await queue.encode(side, [text], task))[0];

  const search = createRetriever(
    retriever,
    index,
    bm25,
    (text, task) => encodeOne("query", text, task),
    options.fusion ?? DEFAULT_FUSION,
  );

  app.get("/", { schema: { hide: true } }, (_req, reply) =>
    sendHtml(reply, searchPage(`care · ${documents} documents`, options.pageNote)),
  );

  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());

  app.get(
    "/healthz",
    { schema: { summary: "Index, models and queue", response: responses(HealthSchema) } },
    async () => ({
      status: "ok",
      documents: await recount(),
      store: index.backend,
      dim: index.manifest.dim,
      mode: index.mode,
      retriever,
      query_model: modelName,
      document_model: index.manifest.document.name,
      queue_depth: queue.depth,
    }),
  );

  app.get("/metrics", { schema: { hide: true } }, async (_req, reply) =>
    reply.type(metrics.contentType).send(await metrics.render()),
  );

  app.post<{ Body: SearchBody }>(
    "/search",
    {
      schema: {
        summary: "Search the index with a query",
        body: searchBody(limits),
        response: responses(SearchResponseSchema),
      },
    },
    async (req) => {
      const { query, top_k = 10, task } = req.body;
      if (query.trim() === "")
        throw new HttpError(400, "body.query: is empty", undefined, undefined, "query");
      let filter: Filter;
      try {
        filter = parseFilter(req.body.filter, "body.filter");
      } catch (e) {
        if (e instanceof CareError) throw new HttpError(400, e.message, undefined, undefined, "filter");
        throw e;
      }
      if (filter.length && retriever !== "dense")
        throw new HttpError(
          400,
          `body.filter: the ${retriever} retriever takes no filter`,
          undefined,
          undefined,
          "filter",
        );
      const { hits, encodeMs, searchMs } = await search(query, top_k, taskHint(task), filter);
      metrics.search.observe(searchMs / 1e3);
      return {
        hits,
        retriever,
        took_ms: encodeMs + searchMs,
        // Where the time went (as Vespa's `timing`): encoding includes the wait in the encoder queue.
        timing: { encode_ms: encodeMs, search_ms: searchMs },
        terms: queryTerms(query),
      };
    },
  );

  app.post<{ Body: EmbeddingsBody }>(
    "/v1/embeddings",
    {
      schema: {
        summary: "OpenAI-compatible embeddings",
        body: embeddingsBody(limits),
        response: responses(EmbeddingsResponseSchema),
      },
    },
    async (req) => {
      const { input, model, dimensions, encoding_format = "float" } = req.body;
      if (options.query === undefined)
        throw new HttpError(
          400,
          "body.model: this server has no encoder: it serves BM25 alone",
          "invalid_request_error",
          "model_not_found",
          "model",
        );
      const texts = typeof input === "string" ? [input] : input;
      if (texts.some((t) => t === ""))
        throw new HttpError(400, "body.input: must not contain empty strings", undefined, undefined, "input");
      let side: Side;
      if (model === "document") side = "document";
      else if (model === "query" || model === modelName || model === specName) side = "query";
      else
        throw new HttpError(
          400,
          `body.model: model "${model}" is not served here; use "query", "document" or "${modelName}"`,
          "invalid_request_error",
          "model_not_found",
          "model",
        );
      if (dimensions !== undefined && dimensions > index.manifest.dim)
        throw new HttpError(
          400,
          `body.dimensions: must be at most ${index.manifest.dim}`,
          undefined,
          undefined,
          "dimensions",
        );
      const vectors = await queue.encode(side, texts, side === "query" ? taskHint(undefined) : undefined);
      return embeddingsResponse(model, texts, vectors, encoding_format, dimensions);
    },
  );

  adminRoutes(app, {
    store: index,
    token: options.adminToken,
    encodeDocuments: encodesDocuments ? (texts) => queue.encode("document", texts) : undefined,
    changed: recount,
    error: (status, message) => new HttpError(status, message),
  });

  return {
    app,
    index,
    retriever,
    queue,
    async listen(port = 8080, host = "127.0.0.1") {
      return app.listen({ port, host });
    },
    async close() {
      closing = true;
      await app.close();
      await queue.drain();
      await backend.close();
      await index.close();
    },
  };
}

function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply.type("text/html; charset=utf-8").send(html);
}
