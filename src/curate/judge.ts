import { ChatRequestError, type ChatBackend } from "./chat.js";
import type { JudgeConfig } from "./judge-config.js";
import { OpenAiChat } from "./openai-chat.js";
import { judgmentMessages, parseJudgment, reaskMessage, RUBRIC_VERSION } from "./rubric.js";

/** One judge's verdict on one pair, as stored. A failure has `score: null` and says why in `error`. */
export interface Judgment {
  judge: string;
  rubric_version: string;
  pair_id: string;
  model: string;
  score: number | null;
  reason: string | null;
  error: string | null;
  /** The last reply, kept so a failure (or a surprising score) can be inspected. */
  raw: string | null;
  /** Completions asked for this pair, re-asks included (HTTP retries are not completions). */
  asks: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
  latency_ms: number;
  judged_at: string;
}

/** What a judge needs to know about a pair. */
export interface JudgeInput {
  pair_id: string;
  query: string;
  doc: string;
}

export interface Judge {
  readonly name: string;
  readonly model: string;
  readonly concurrency: number;
  /** Never rejects for a pair-level problem (that is a failed Judgment); rejects with a fatal ChatRequestError. */
  judge(pair: JudgeInput): Promise<Judgment>;
  close(): Promise<void>;
}

interface Pricing {
  price_per_1k_input?: number;
  price_per_1k_output?: number;
}

/**
 * The rubric conversation over any chat backend: ask, parse strictly, and on a malformed reply say what
 * was wrong and ask again, up to `maxReasks` times.
 */
export class RubricJudge implements Judge {
  constructor(
    readonly name: string,
    private readonly backend: ChatBackend,
    readonly concurrency: number,
    private readonly maxReasks: number,
    private readonly pricing: Pricing = {},
  ) {}

  get model(): string {
    return this.backend.model;
  }

  async judge(pair: JudgeInput): Promise<Judgment> {
    const started = performance.now();
    const messages = judgmentMessages(pair.query, pair.doc);
    let inputTokens = 0;
    let outputTokens = 0;
    let asks = 0;
    let raw: string | null = null;
    const done = (fields: Pick<Judgment, "score" | "reason" | "error">): Judgment => ({
      judge: this.name,
      rubric_version: RUBRIC_VERSION,
      pair_id: pair.pair_id,
      model: this.model,
      ...fields,
      raw,
      asks,
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cost:
        (inputTokens / 1000) * (this.pricing.price_per_1k_input ?? 0) +
        (outputTokens / 1000) * (this.pricing.price_per_1k_output ?? 0),
      latency_ms: Math.round(performance.now() - started),
      judged_at: new Date().toISOString(),
    });
    let problem = "";
    for (let i = 0; i <= this.maxReasks; i++) {
      let reply;
      try {
        asks++;
        reply = await this.backend.complete(messages);
      } catch (e) {
        if (e instanceof ChatRequestError && !e.fatal)
          return done({ score: null, reason: null, error: e.message });
        throw e;
      }
      inputTokens += reply.inputTokens;
      outputTokens += reply.outputTokens;
      raw = reply.text;
      const parsed = parseJudgment(reply.text);
      if (parsed.ok) return done({ score: parsed.score, reason: parsed.reason, error: null });
      problem = parsed.problem;
      messages.push({ role: "assistant", content: reply.text }, reaskMessage(problem));
    }
    return done({ score: null, reason: null, error: `malformed reply after ${asks} asks: ${problem}` });
  }

  async close(): Promise<void> {
    await this.backend.close?.();
  }
}

export async function openJudge(cfg: JudgeConfig): Promise<Judge> {
  if (cfg.type === "openai")
    return new RubricJudge(cfg.name, new OpenAiChat(cfg), cfg.concurrency, cfg.max_reasks, cfg);
  // Imported here so that node-llama-cpp loads only when a local judge is configured.
  const { GgufChat } = await import("./gguf-chat.js");
  return new RubricJudge(cfg.name, await GgufChat.open(cfg), cfg.concurrency, cfg.max_reasks);
}

export async function openJudges(cfgs: JudgeConfig[]): Promise<Judge[]> {
  const judges: Judge[] = [];
  try {
    for (const c of cfgs) judges.push(await openJudge(c));
  } catch (e) {
    await Promise.all(judges.map((j) => j.close()));
    throw e;
  }
  return judges;
}
