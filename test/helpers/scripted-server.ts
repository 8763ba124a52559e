import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A scripted answer: none at all (the client must time out), a dropped connection, or a status. */
export type Step = "hang" | "drop" | { status: number; body?: string; retryAfter?: string };

export interface SeenRequest<Body> {
  at: number;
  path: string;
  auth: string | undefined;
  body: Body;
}

/**
 * A loopback HTTP server for client tests. Each request takes the next step of `script`; once the
 * script runs out it gets 200 with `answer`'s JSON. Every request is recorded in `seen` first.
 */
export class ScriptedServer<Body> {
  script: Step[] = [];
  seen: SeenRequest<Body>[] = [];
  private readonly server: Server;
  private origin_ = "";

  private constructor(answer: (body: Body) => unknown) {
    this.server = createServer((req, res) => this.handle(req, res, answer));
  }

  /** Starts on 127.0.0.1, a free port. */
  static async start<Body>(answer: (body: Body) => unknown): Promise<ScriptedServer<Body>> {
    const s = new ScriptedServer(answer);
    await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
    s.origin_ = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return this.origin_;
  }

  reset(): void {
    this.script = [];
    this.seen = [];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private handle(req: IncomingMessage, res: ServerResponse, answer: (body: Body) => unknown): void {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", async () => {
      const body = JSON.parse(raw) as Body;
      this.seen.push({ at: performance.now(), path: req.url!, auth: req.headers.authorization, body });
      const step = this.script.shift();
      if (step === "hang") return;
      if (step === "drop") return req.socket.destroy();
      if (step) {
        const headers: Record<string, string> = step.retryAfter ? { "retry-after": step.retryAfter } : {};
        res.writeHead(step.status, headers).end(step.body ?? "scripted failure");
        return;
      }
      const reply = JSON.stringify(await answer(body));
      res.writeHead(200, { "content-type": "application/json" }).end(reply);
    });
  }
}
