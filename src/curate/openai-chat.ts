import { CareError } from "../core/errors.js";
import { ChatRequestError, type ChatBackend, type ChatReply } from "./chat.js";
import type { OpenAiJudgeConfig } from "./judge-config.js";
import { Pacer, sleep } from "./pacer.js";
import type { ChatMessage } from "./rubric.js";

const MAX_BACKOFF_MS = 60_000;

/** Statuses worth another try: rate limiting and server-side trouble. */
function retryable(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Statuses that say the configuration is wrong, so every pair would fail the same way. */
function fatal(status: number): boolean {
  return status === 401 || status === 403 || status === 404;
}

/**
 * An OpenAI-compatible `/chat/completions` client with retries (exponential backoff, full jitter,
 * at least the server's Retry-After) on 429, 5xx, timeouts and connection errors, and an even
 * request pacing for the judge's requests-per-minute limit.
 */
export class OpenAiChat implements ChatBackend {
  readonly model: string;
  private readonly key: string | undefined;
  private readonly pacer: Pacer;

  constructor(private readonly cfg: OpenAiJudgeConfig) {
    this.model = cfg.model;
    if (cfg.api_key_env !== undefined) {
      this.key = process.env[cfg.api_key_env];
      if (!this.key) {
        throw new CareError(
          `judge "${cfg.name}": environment variable ${cfg.api_key_env} (its API key) is not set`,
        );
      }
    }
    this.pacer = new Pacer(cfg.rpm);
  }

  async complete(messages: ChatMessage[]): Promise<ChatReply> {
    let lastProblem = "";
    for (let attempt = 0; attempt <= this.cfg.max_retries; attempt++) {
      await this.pacer.wait();
      const outcome = await this.attempt(messages);
      if ("reply" in outcome) return outcome.reply;
      lastProblem = outcome.problem;
      if (attempt < this.cfg.max_retries) {
        const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, this.cfg.backoff_ms * 2 ** attempt);
        await sleep(Math.max(backoff, outcome.retryAfterMs ?? 0));
      }
    }
    throw new ChatRequestError(`${lastProblem} (gave up after ${this.cfg.max_retries + 1} attempts)`);
  }

  private async attempt(
    messages: ChatMessage[],
  ): Promise<{ reply: ChatReply } | { problem: string; retryAfterMs?: number }> {
    const body: Record<string, unknown> = {
      model: this.cfg.model,
      messages,
      temperature: this.cfg.temperature,
      max_tokens: this.cfg.max_tokens,
    };
    if (this.cfg.json_mode) body.response_format = { type: "json_object" };
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.cfg.base_url}/chat/completions`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.cfg.timeout_ms),
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      if (err.name === "TimeoutError" || err.name === "AbortError") {
        return { problem: `no answer within ${this.cfg.timeout_ms} ms` };
      }
      return { problem: `connection failed: ${err.cause?.code ?? err.message}` };
    }
    if (!res.ok) {
      const problem = `HTTP ${res.status}: ${this.redact(text.slice(0, 200))}`;
      if (fatal(res.status)) throw new ChatRequestError(`judge "${this.cfg.name}": ${problem}`, true);
      if (!retryable(res.status)) throw new ChatRequestError(problem);
      return { problem, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
    }
    return this.envelope(text);
  }

  /** Reads the completion out of the response body; a broken envelope is the server's fault: retry. */
  private envelope(text: string): { reply: ChatReply } | { problem: string } {
    let json: {
      choices?: { message?: { content?: unknown } }[];
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
    };
    try {
      json = JSON.parse(text);
    } catch {
      return { problem: `response is not JSON: ${this.redact(text.slice(0, 200))}` };
    }
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== "string") return { problem: "response has no choices[0].message.content" };
    const tokens = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
    return {
      reply: {
        text: content,
        inputTokens: tokens(json.usage?.prompt_tokens),
        outputTokens: tokens(json.usage?.completion_tokens),
      },
    };
  }

  /** Servers sometimes echo the request; the key must not reach a stored error message. */
  private redact(s: string): string {
    return this.key ? s.split(this.key).join("[redacted]") : s;
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.min(MAX_BACKOFF_MS, Math.max(0, secs * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(MAX_BACKOFF_MS, Math.max(0, date - Date.now()));
}
