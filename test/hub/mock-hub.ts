import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";

/** A request either server saw. */
export interface Seen {
  server: "hub" | "cdn";
  method: string;
  path: string;
  range?: string;
  auth?: string;
}

export interface MockRepo {
  id: string;
  commit: string;
  files: Map<string, Buffer>;
  /**
   * Who may read it, as the Hub answers: a gated repo lists its files to anyone but serves them only
   * to `token` (401 without a token, 403 with another); a private one answers 401 to all else.
   */
  access?: { kind: "gated" | "private"; token: string };
  /** Listed by the revision route but answered 404 by resolve. */
  vanished: Set<string>;
}

const sha = (algo: string, data: Buffer | string) => createHash(algo).update(data).digest("hex");
export const gitBlobSha = (data: Buffer) =>
  sha("sha1", Buffer.concat([Buffer.from(`blob ${data.length}\0`), data]));
export const sha256 = (data: Buffer) => sha("sha256", data);

/**
 * A local stand-in for the Hugging Face Hub with the routes and headers the real one has: the
 * revision API (`sha`, `siblings`), `resolve` answering HEAD and GET with ETag, X-Repo-Commit and
 * Content-Length, and for LFS files (*.safetensors) a 302 to a second origin (the storage host) with
 * X-Linked-Etag / X-Linked-Size, where Range requests are served. Faults make one download of a blob
 * stall or drop after some bytes.
 */
export class MockHub {
  readonly seen: Seen[] = [];
  readonly repos = new Map<string, MockRepo>();
  /** By sha256: the next download of that blob sends `after` bytes, then stalls or drops the socket. */
  readonly faults = new Map<string, { after: number; kind: "stall" | "drop" }>();
  url = "";
  cdnUrl = "";
  private readonly blobs = new Map<string, Buffer>();

  private constructor(
    private readonly hub: Server,
    private readonly cdn: Server,
  ) {}

  static async start(): Promise<MockHub> {
    const hub = createServer((req, res) => mock.serveHub(req, res));
    const cdn = createServer((req, res) => mock.serveCdn(req, res));
    const mock = new MockHub(hub, cdn);
    for (const s of [hub, cdn]) await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    mock.url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    mock.cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
    return mock;
  }

  /** Serves every file under `dir` as repository `id` at a fixed commit. */
  addRepo(id: string, dir: string, options: { access?: MockRepo["access"]; commit?: string } = {}): MockRepo {
    const files = new Map<string, Buffer>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.set(relative(dir, p).split("\\").join("/"), readFileSync(p));
      }
    };
    walk(dir);
    for (const [, data] of files) this.blobs.set(sha256(data), data);
    const repo: MockRepo = {
      id,
      commit: options.commit ?? sha("sha1", id),
      files,
      access: options.access,
      vanished: new Set(),
    };
    this.repos.set(id, repo);
    return repo;
  }

  /** Requests for one file's bytes (GET on resolve or on the storage host). */
  downloads(file?: string): Seen[] {
    return this.seen.filter(
      (s) => s.method === "GET" && !s.path.startsWith("/api/") && (!file || s.path.endsWith(file)),
    );
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  }

  private record(server: Seen["server"], req: IncomingMessage): void {
    this.seen.push({
      server,
      method: req.method ?? "",
      path: decodeURIComponent(req.url ?? ""),
      range: req.headers.range,
      auth: req.headers.authorization,
    });
  }

  private serveHub(req: IncomingMessage, res: ServerResponse): void {
    this.record("hub", req);
    const url = new URL(req.url ?? "/", this.url);
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const m = api ?? resolve;
    if (!m) return fail(res, 404, "NotFound", "no such route");
    const repo = this.repos.get(m[1]);
    if (!repo) return fail(res, 404, "RepoNotFound", "Repository not found");
    const auth = req.headers.authorization;
    if (
      repo.access &&
      auth !== `Bearer ${repo.access.token}` &&
      (repo.access.kind === "private" || resolve)
    ) {
      if (repo.access.kind === "private") return fail(res, 401, "RepoNotFound", "Repository not found");
      if (auth)
        return fail(
          res,
          403,
          "GatedRepo",
          `Access to model ${repo.id} is restricted and you are not in the authorized list.`,
        );
      return fail(
        res,
        401,
        "GatedRepo",
        `Access to model ${repo.id} is restricted. You must be authenticated.`,
      );
    }
    const rev = decodeURIComponent(m[2]);
    if (rev !== "main" && rev !== repo.commit)
      return fail(res, 404, "RevisionNotFound", `Invalid rev id: ${rev}`);
    if (api) {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: repo.id,
          sha: repo.commit,
          siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
        }),
      );
      return;
    }
    const file = decodeURIComponent(m[3]);
    const data = repo.files.get(file);
    if (!data || repo.vanished.has(file)) return fail(res, 404, "EntryNotFound", `${file} does not exist`);
    res.setHeader("x-repo-commit", repo.commit);
    if (file.endsWith(".safetensors")) {
      res.statusCode = 302;
      res.setHeader("x-linked-etag", `"${sha256(data)}"`);
      res.setHeader("x-linked-size", String(data.length));
      res.setHeader("etag", `"${gitBlobSha(data)}"`);
      res.setHeader("location", `${this.cdnUrl}/blobs/${sha256(data)}?signature=x`);
      res.end();
      return;
    }
    res.setHeader("etag", `"${gitBlobSha(data)}"`);
    res.setHeader("content-length", String(data.length));
    res.end(req.method === "HEAD" ? undefined : data);
  }

  private serveCdn(req: IncomingMessage, res: ServerResponse): void {
    this.record("cdn", req);
    const m = /^\/blobs\/([0-9a-f]{64})/.exec(req.url ?? "");
    const data = m && this.blobs.get(m[1]);
    if (!m || !data) return fail(res, 404, "NotFound", "no such blob");
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) {
      start = Number(range[1]);
      if (start >= data.length) {
        res.statusCode = 416;
        res.end();
        return;
      }
      res.statusCode = 206;
      res.setHeader("content-range", `bytes ${start}-${data.length - 1}/${data.length}`);
    }
    res.setHeader("accept-ranges", "bytes");
    res.setHeader("content-length", String(data.length - start));
    const fault = this.faults.get(m[1]);
    if (fault && req.method === "GET") {
      this.faults.delete(m[1]);
      res.flushHeaders();
      res.write(data.subarray(start, start + fault.after));
      if (fault.kind === "drop") setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    res.end(req.method === "HEAD" ? undefined : data.subarray(start));
  }
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader("x-error-code", code);
  res.setHeader("x-error-message", message);
  res.end(JSON.stringify({ error: message }));
}
