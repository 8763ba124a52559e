import type { ChatMessage } from "./rubric.js";

/** What a judge backend does: one chat completion, with the tokens it cost. */
export interface ChatReply {
  text: string;
  inputTokens: number;
  outputTokens: number;
}

export interface ChatBackend {
  /** The model behind the backend, recorded with each judgment. */
  readonly model: string;
  complete(messages: ChatMessage[]): Promise<ChatReply>;
  close?(): Promise<void>;
}

/**
 * A completion that could not be had. `fatal` means no other pair will fare better (bad key, unknown
 * model, missing endpoint): the run stops instead of recording the same failure for every pair.
 */
export class ChatRequestError extends Error {
  constructor(
    message: string,
    readonly fatal = false,
  ) {
    super(message);
    this.name = "ChatRequestError";
  }
}
