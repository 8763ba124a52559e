import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the mock saw it: which pair it is about and how often that pair was asked before. */
export interface MockRequest {
  model: string;
  query: string;
  doc: string;
  messages: { role: string; content: string }[];
  authorization: string | undefined;
  /** 1 for the first request about this (model, query, doc), counting retries and re-asks. */
  attempt: number;
  body: Record<string, unknown>;
}

export interface MockAnswer {
  status?: number;
  /** An object is sent as JSON, a string as is. */
  body?: unknown;
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface MockLogEntry {
  model: string;
  query: string;
  status: number;
  start: number;
  end: number;
}

/** A 200 answer in the OpenAI chat completion shape, carrying `content` and fixed token usage. */
export function chatAnswer(
  content: string,
  usage = { prompt_tokens: 100, completion_tokens: 10 },
): MockAnswer {
  return {
    body: {
      id: "mock",
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

/**
 * A local OpenAI-compatible chat server on 127.0.0.1 (random port) whose answers a test scripts per
 * request. It measures what the client under test did: requests per model, in-flight maximum, timing.
 */
export class MockChatServer {
  readonly log: MockLogEntry[] = [];
  readonly requests: MockRequest[] = [];
  private readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private server!: Server;
  url = "";

  constructor(private readonly behave: (r: MockRequest) => MockAnswer) {}

  static async start(behave: (r: MockRequest) => MockAnswer): Promise<MockChatServer> {
    const m = new MockChatServer(behave);
    m.server = createServer((req, res) => {
      void m.handle(req).then(
        ({ status, headers, text }) => {
          res.writeHead(status, { "content-type": "application/json", ...headers });
          res.end(text);
        },
        () => res.destroy(),
      );
    });
    await new Promise<void>((r) => m.server.listen(0, "127.0.0.1", r));
    m.url = `http://127.0.0.1:${(m.server.address() as AddressInfo).port}/v1`;
    return m;
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const start = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url !== "/v1/chat/completions" || req.method !== "POST") {
      return { status: 404, headers: {}, text: '{"error":"not found"}' };
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    const messages = body.messages as { role: string; content: string }[];
    const firstUser = messages.find((m) => m.role === "user")?.content ?? "";
    const match = /^查询：([\s\S]*)\n\n文档：([\s\S]*)$/.exec(firstUser);
    const query = match?.[1] ?? "";
    const doc = match?.[2] ?? "";
    const model = String(body.model);
    const key = `${model}\0${query}\0${doc}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const r: MockRequest = {
      model,
      query,
      doc,
      messages,
      authorization: req.headers.authorization,
      attempt,
      body,
    };
    this.requests.push(r);
    const now = (this.inFlight.get(model) ?? 0) + 1;
    this.inFlight.set(model, now);
    this.maxInFlight.set(model, Math.max(now, this.maxInFlight.get(model) ?? 0));
    try {
      const a = this.behave(r);
      if (a.delayMs) await new Promise((res) => setTimeout(res, a.delayMs));
      const status = a.status ?? 200;
      this.log.push({ model, query, status, start, end: performance.now() });
      const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body ?? {});
      return { status, headers: a.headers ?? {}, text };
    } finally {
      this.inFlight.set(model, (this.inFlight.get(model) ?? 1) - 1);
    }
  }

  requestsFor(model: string): MockRequest[] {
    return this.requests.filter((r) => r.model === model);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
