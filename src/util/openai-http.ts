/**
 * The one HTTP client for OpenAI-compatible endpoints (embeddings for `openai:` specs, chat completions
 * for LLM judges): JSON POSTs with a per-attempt timeout, and retries of what may pass (408, 409, 429,
 * 5xx, dropped connections, timeouts, a reply the caller's reader calls transient) with exponential
 * backoff and equal jitter, never sooner than the server's Retry-After. The API key comes only from
 * the environment and is cut out of every message, since servers sometimes echo requests.
 */
import { CareError } from "../core/errors.js";

export interface OpenAiHttpOptions {
  /** The endpoint, e.g. http://host:8000/v1/embeddings. */
  url: string;
  /** Environment variable holding the API key; when it is unset no Authorization header is sent. */
  apiKeyEnv?: string;
  /** Refuse to start when `apiKeyEnv` is unset (the endpoint is known to need a key). */
  keyRequired?: boolean;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts after the first. */
  maxRetries: number;
  /** First retry delay; it doubles per retry up to retryMaxMs. */
  retryBaseMs: number;
  /** Longest wait between attempts, Retry-After included. */
  retryMaxMs: number;
  /** Awaited before every attempt, retries included (e.g. a requests-per-minute pacer). */
  beforeAttempt?: () => Promise<void>;
}

/** A request that failed for good: a status not worth retrying, or every attempt used up. */
export class OpenAiHttpError extends CareError {
  constructor(
    readonly url: string,
    /** What went wrong, without the URL. */
    readonly problem: string,
    /** The last HTTP status, when there was a response. */
    readonly status: number | undefined,
  ) {
    super(`${url}: ${problem}`);
    this.name = "OpenAiHttpError";
  }
}

/** Thrown by a reader for a reply the server may not repeat (malformed JSON from a proxy, say). */
export class TransientReply extends Error {}

const RETRY_STATUSES = new Set([408, 409, 429]);

export class OpenAiHttp {
  readonly url: string;
  private readonly key: string | undefined;

  constructor(private readonly o: OpenAiHttpOptions) {
    this.url = o.url;
    this.key = (o.apiKeyEnv !== undefined && process.env[o.apiKeyEnv]) || undefined;
    if (o.keyRequired && !this.key)
      throw new CareError(`environment variable ${o.apiKeyEnv} (the API key for ${o.url}) is not set`);
  }

  /**
   * POSTs `body` as JSON and hands the response text to `read`; retries as the module comment says.
   * `read` throws TransientReply to ask for another attempt, anything else to fail at once.
   */
  async post<T>(body: unknown, read: (text: string) => T): Promise<T> {
    const json = JSON.stringify(body);
    let last: { problem: string; status?: number; retryAfterMs?: number } = { problem: "" };
    for (let attempt = 0; attempt <= this.o.maxRetries; attempt++) {
      if (attempt > 0) await sleep(this.delay(attempt - 1, last));
      await this.o.beforeAttempt?.();
      const outcome = await this.attempt(json);
      if ("text" in outcome) {
        try {
          return read(outcome.text);
        } catch (e) {
          if (!(e instanceof TransientReply)) throw e;
          last = { problem: this.redact(e.message), status: outcome.status };
        }
      } else last = outcome;
    }
    throw new OpenAiHttpError(
      this.url,
      `gave up after ${this.o.maxRetries + 1} attempts; last error: ${last.problem}`,
      last.status,
    );
  }

  /** Removes the API key from text that may reach a message or a stored error. */
  redact(s: string): string {
    return this.key ? s.split(this.key).join("[redacted]") : s;
  }

  private async attempt(
    body: string,
  ): Promise<{ text: string; status: number } | { problem: string; status?: number; retryAfterMs?: number }> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (err.name === "TimeoutError" || err.name === "AbortError")
        return { problem: `no response within ${this.o.timeoutMs} ms` };
      return { problem: `connection failed: ${this.redact(err.cause?.code ?? err.message)}` };
    }
    if (res.ok) return { text, status: res.status };
    const problem = `HTTP ${res.status}: ${this.redact(text.slice(0, 300))}`;
    if (!RETRY_STATUSES.has(res.status) && res.status < 500)
      throw new OpenAiHttpError(this.url, problem, res.status);
    return { problem, status: res.status, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
  }

  /** Equal jitter (half the backoff fixed, half random, so clients spread out), at least Retry-After. */
  private delay(retry: number, last: { retryAfterMs?: number }): number {
    const backoff = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** retry);
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    return Math.max(jittered, Math.min(last.retryAfterMs ?? 0, this.o.retryMaxMs));
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
