import { CareError } from "../core/errors.js";
import { fillQueryTemplate, QWEN_QUERY_TEMPLATE } from "../models/card.js";
import { docText, type Doc } from "../core/doc.js";
import { normalize } from "../util/vector.js";
import { type Embedder, type EncodingSettings, type TaskHint } from "../core/embedder.js";
import { openaiIdentity } from "./identity.js";
import { OpenAiHttp } from "../util/openai-http.js";

export interface OpenAIEmbedderOptions {
  /** Server root or API base, e.g. http://localhost:8000/v1 (see embeddingsUrl). */
  baseUrl: string;
  model: string;
  /** Environment variable holding the API key; when it is unset no Authorization header is sent. */
  apiKeyEnv?: string;
  /** Texts per request. */
  batchSize?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Retries per request after the first attempt (see OpenAiHttp). */
  maxRetries?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** First retry delay; it doubles per retry up to retryMaxMs, with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * How a query with a task instruction is sent, with {instruction} and {text} placeholders, e.g.
   * Qwen3-Embedding's "Instruct: {instruction}\nQuery:{text}" (the default for models with that name). Without one, or without an instruction,
   * queries go as they are. Documents never get one.
   */
  queryTemplate?: string;
  /** The expected width; responses of another width are an error. Otherwise learnt from the first one. */
  dim?: number;
  /** Asks the server for truncated (Matryoshka) embeddings of this width: OpenAI's `dimensions`. */
  dimensions?: number;
}

/**
 * The /embeddings endpoint of a base URL: kept when it already ends so; `/v1/embeddings` on a bare
 * origin (http://host:8000); otherwise `/embeddings` appended (http://host:8000/v1, OpenAI's base URL form).
 */
export function embeddingsUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  if (/\/embeddings$/.test(trimmed)) return trimmed;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new CareError(`bad embeddings base URL "${baseUrl}"`);
  }
  return url.pathname === "/" || url.pathname === "" ? `${trimmed}/v1/embeddings` : `${trimmed}/embeddings`;
}

/**
 * An Embedder backed by any OpenAI-compatible embeddings endpoint (OpenAI, vLLM, TEI, llama.cpp server,
 * another care serve). Texts go in batches, several requests at once; failures that may pass (rate
 * limits, server errors, dropped connections, timeouts) are retried with exponential backoff and jitter,
 * honouring Retry-After. Rows come back in input order, L2-normalised. The API key is read from the
 * environment and never appears in messages.
 */
export class OpenAIEmbedder implements Embedder {
  readonly name: string;
  private readonly url: string;
  private readonly http: OpenAiHttp;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly queryTemplate: string | undefined;
  private width: number | undefined;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    this.url = embeddingsUrl(options.baseUrl);
    this.name = `openai:${options.baseUrl.replace(/\/+$/, "")}#${options.model}`;
    this.http = new OpenAiHttp({
      url: this.url,
      apiKeyEnv: options.apiKeyEnv ?? "OPENAI_API_KEY",
      timeoutMs: positive("timeoutMs", options.timeoutMs ?? 120_000),
      maxRetries: Math.max(0, options.maxRetries ?? 6),
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
    });
    this.batchSize = positive("batchSize", options.batchSize ?? 32);
    this.concurrency = positive("concurrency", options.concurrency ?? 4);
    this.queryTemplate =
      options.queryTemplate ?? (/qwen3-embedding/i.test(options.model) ? QWEN_QUERY_TEMPLATE : undefined);
    this.width = options.dim ?? options.dimensions;
  }

  /** The embedding width: given, or learnt from the first response; 0 until then. */
  get dim(): number {
    return this.width ?? 0;
  }

  describe(): { query: Record<string, unknown>; document: Record<string, unknown> } {
    return openaiIdentity(this.url, this.options.model, this.width, this.queryTemplate);
  }

  /** The service decides length and pooling; only the query template is ours. */
  encoding(task?: TaskHint): { query: EncodingSettings; document: EncodingSettings } {
    const template = this.queryTemplate;
    const instruction = task?.queryInstruction;
    const side = { max_length: null, pooling: null, dim: this.dim };
    return {
      query: {
        prompt: template && instruction ? fillQueryTemplate(template, "{text}", instruction) : "{text}",
        ...side,
      },
      document: { prompt: "{text}", ...side },
    };
  }

  encodeQueries(texts: string[], task?: TaskHint): Promise<Float32Array[]> {
    const template = this.queryTemplate;
    const instruction = task?.queryInstruction;
    if (!template || !instruction) return this.embed(texts);
    return this.embed(texts.map((t) => fillQueryTemplate(template, t, instruction)));
  }

  encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    return this.embed(docs.map(docText));
  }

  /** Embeds texts as they are: batched, `concurrency` requests at once, results in input order. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) batches.push(texts.slice(i, i + this.batchSize));
    const results: Float32Array[][] = new Array(batches.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      // After one batch fails for good the others stop taking work; the first error is the answer.
      while (next < batches.length && !failed) {
        const b = next++;
        try {
          results[b] = await this.request(batches[b]);
        } catch (e) {
          failed = true;
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    return results.flat();
  }

  private request(input: string[]): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { model: this.options.model, input, encoding_format: "float" };
    if (this.options.dimensions) body.dimensions = this.options.dimensions;
    return this.http.post(body, (text) => this.parse(text, input.length));
  }

  private parse(text: string, expected: number): Float32Array[] {
    let json: { data?: { embedding?: unknown; index?: unknown }[] };
    try {
      json = JSON.parse(text);
    } catch {
      throw new CareError(`${this.url}: response is not JSON: ${this.http.redact(text.slice(0, 200))}`);
    }
    const data = json?.data;
    if (!Array.isArray(data) || data.length !== expected)
      throw new CareError(
        `${this.url}: expected "data" with ${expected} embeddings, got ${Array.isArray(data) ? data.length : "none"}`,
      );
    const rows: Float32Array[] = new Array(expected);
    data.forEach((item, k) => {
      const index = typeof item?.index === "number" ? item.index : k;
      const emb = item?.embedding;
      if (!Array.isArray(emb) || emb.length === 0 || !emb.every((x) => typeof x === "number"))
        throw new CareError(`${this.url}: data[${k}].embedding is not a list of numbers`);
      if (index < 0 || index >= expected || rows[index])
        throw new CareError(`${this.url}: data[${k}] has a bad or repeated index ${index}`);
      if (this.width === undefined) this.width = emb.length;
      else if (emb.length !== this.width)
        throw new CareError(`${this.url}: embedding width ${emb.length}, expected ${this.width}`);
      rows[index] = normalize(Float32Array.from(emb as number[]));
    });
    return rows;
  }
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new CareError(`OpenAIEmbedder: ${name} must be a positive integer, got ${v}`);
  return v;
}
