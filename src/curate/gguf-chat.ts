import { existsSync } from "node:fs";
import type { ChatHistoryItem, LlamaContextSequence, LlamaGrammar, LlamaModel } from "node-llama-cpp";
import { CareError } from "../core/errors.js";
import type { ChatBackend, ChatReply } from "./chat.js";
import type { GgufJudgeConfig } from "./judge-config.js";
import { JUDGMENT_SCHEMA, type ChatMessage } from "./rubric.js";
import { llamaCpp } from "../util/optional.js";

/**
 * A local GGUF judge through node-llama-cpp: one context with a sequence per concurrent pair, each
 * answer generated under a grammar compiled from the judgment JSON schema, so the model cannot emit
 * anything but `{"score": 1..5, "reason": "..."}` (the strict parser still checks it).
 * Only this module imports node-llama-cpp, and only when a GGUF judge is configured.
 */
export class GgufChat implements ChatBackend {
  private constructor(
    readonly model: string,
    private readonly llamaModel: LlamaModel,
    private readonly grammar: LlamaGrammar,
    private readonly free: LlamaContextSequence[],
    private readonly temperature: number,
    private readonly maxTokens: number,
  ) {}

  private readonly waiting: ((s: LlamaContextSequence) => void)[] = [];

  static async open(cfg: GgufJudgeConfig): Promise<GgufChat> {
    if (!existsSync(cfg.path)) throw new CareError(`judge "${cfg.name}": GGUF file not found`, cfg.path);
    const { getLlama, LlamaLogLevel } = await llamaCpp();
    // Prebuilt binaries only: building llama.cpp from source at run time needs a network and a toolchain.
    const llama = await getLlama({ build: "never", logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: cfg.path });
    const context = await model.createContext({
      contextSize: cfg.context_size,
      sequences: cfg.concurrency,
      threads: cfg.threads,
    });
    const grammar = await llama.createGrammarForJsonSchema(JUDGMENT_SCHEMA);
    const sequences = Array.from({ length: cfg.concurrency }, () => context.getSequence());
    return new GgufChat(`gguf:${cfg.path}`, model, grammar, sequences, cfg.temperature, cfg.max_tokens);
  }

  async complete(messages: ChatMessage[]): Promise<ChatReply> {
    const sequence =
      this.free.pop() ?? (await new Promise<LlamaContextSequence>((r) => this.waiting.push(r)));
    const { LlamaChatSession } = await llamaCpp();
    const before = sequence.tokenMeter.getState();
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
    try {
      const last = messages[messages.length - 1];
      session.setChatHistory(toHistory(messages.slice(0, -1)));
      const text = await session.prompt(last.content, {
        grammar: this.grammar,
        maxTokens: this.maxTokens,
        temperature: this.temperature,
      });
      const used = sequence.tokenMeter.diff(before);
      return { text, inputTokens: used.usedInputTokens, outputTokens: used.usedOutputTokens };
    } finally {
      session.dispose({ disposeSequence: false });
      // Each pair starts from an empty sequence: no judgment may see another pair's text.
      await sequence.clearHistory();
      const next = this.waiting.shift();
      if (next) next(sequence);
      else this.free.push(sequence);
    }
  }

  async close(): Promise<void> {
    await this.llamaModel.dispose();
  }
}

/** The turns before the final user message, in node-llama-cpp's chat history shape. */
function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    if (m.role === "system") return { type: "system", text: m.content };
    if (m.role === "user") return { type: "user", text: m.content };
    return { type: "model", response: [m.content] };
  });
}
