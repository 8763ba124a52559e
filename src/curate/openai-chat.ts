import { OpenAiHttp, OpenAiHttpError, TransientReply } from "../util/openai-http.js";
import { ChatRequestError, type ChatBackend, type ChatReply } from "./chat.js";
import type { OpenAiJudgeConfig } from "./judge-config.js";
import { Pacer } from "./pacer.js";
import type { ChatMessage } from "./rubric.js";

const MAX_BACKOFF_MS = 60_000;

/** Statuses that say the configuration is wrong, so every pair would fail the same way. */
const FATAL_STATUSES = new Set([401, 403, 404]);

/**
 * A judge on an OpenAI-compatible `/chat/completions` endpoint: requests through OpenAiHttp (timeouts,
 * retries with backoff and Retry-After), spaced evenly for the judge's requests-per-minute limit.
 */
export class OpenAiChat implements ChatBackend {
  readonly model: string;
  private readonly http: OpenAiHttp;

  constructor(private readonly cfg: OpenAiJudgeConfig) {
    this.model = cfg.model;
    const pacer = new Pacer(cfg.rpm);
    this.http = new OpenAiHttp({
      url: `${cfg.base_url}/chat/completions`,
      apiKeyEnv: cfg.api_key_env,
      keyRequired: cfg.api_key_env !== undefined,
      timeoutMs: cfg.timeout_ms,
      maxRetries: cfg.max_retries,
      retryBaseMs: cfg.backoff_ms,
      retryMaxMs: MAX_BACKOFF_MS,
      beforeAttempt: () => pacer.wait(),
    });
  }

  async complete(messages: ChatMessage[]): Promise<ChatReply> {
    const body: Record<string, unknown> = {
      model: this.cfg.model,
      messages,
      temperature: this.cfg.temperature,
      max_tokens: this.cfg.max_tokens,
    };
    if (this.cfg.json_mode) body.response_format = { type: "json_object" };
    try {
      return await this.http.post(body, (text) => this.envelope(text));
    } catch (e) {
      if (!(e instanceof OpenAiHttpError)) throw e;
      const fatal = e.status !== undefined && FATAL_STATUSES.has(e.status);
      throw new ChatRequestError(`judge "${this.cfg.name}": ${e.problem}`, fatal);
    }
  }

  /** Reads the completion out of the response body; a broken envelope is the server's fault: retry. */
  private envelope(text: string): ChatReply {
    let json: {
      choices?: { message?: { content?: unknown } }[];
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
    };
    try {
      json = JSON.parse(text);
    } catch {
      throw new TransientReply(`response is not JSON: ${text.slice(0, 200)}`);
    }
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== "string") throw new TransientReply("response has no choices[0].message.content");
    const tokens = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
    return {
      text: content,
      inputTokens: tokens(json.usage?.prompt_tokens),
      outputTokens: tokens(json.usage?.completion_tokens),
    };
  }
}
