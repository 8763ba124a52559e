import { CareError } from "../core/errors.js";
import { COMMIT, type HubRef } from "./id.js";

export interface HubClientOptions {
  endpoint: string;
  token?: string;
  /** Tries after the first for a dropped connection, a 5xx or a 429 (default 5). */
  retries?: number;
  /** First wait between tries, doubled each time up to 30 s (default 1000 ms). */
  backoffMs?: number;
  quiet?: boolean;
}

/** Raised when the Hub cannot be reached at all (as opposed to answering no), so a cached copy may do. */
export class HubUnreachable extends CareError {}

/** Where a file's bytes are and what they must be: the Hub's ETag (sha256 for LFS files) and size. */
export interface FileInfo {
  file: string;
  etag: string;
  size: number;
  url: string;
}

/**
 * The Hub's HTTP routes this project needs: a revision's commit and file list, and each file's
 * metadata by HEAD on its resolve URL. The token goes only to the endpoint's own origin, never to the
 * storage host a large file redirects to.
 */
export class HubClient {
  readonly retries: number;
  private readonly origin: string;

  constructor(private readonly o: HubClientOptions) {
    this.retries = o.retries ?? 5;
    this.origin = new URL(o.endpoint).origin;
  }

  get endpoint(): string {
    return this.o.endpoint;
  }

  headers(url: string, extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { "user-agent": "care-retrieval", ...extra };
    if (this.o.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.o.token}`;
    return headers;
  }

  /** The commit a revision points at and the repository's file names. */
  async revision(ref: HubRef): Promise<{ commit: string; files: string[] }> {
    const url = `${this.o.endpoint}/api/models/${ref.repo}/revision/${encodeURIComponent(ref.revision)}`;
    const what = `model ${ref.repo} revision "${ref.revision}" at ${this.o.endpoint}`;
    const res = await this.send(url, { method: "GET" }, what);
    if (!res.ok) throw this.refusal(res, what);
    const body = (await res.json()) as { sha?: unknown; siblings?: { rfilename?: unknown }[] };
    if (typeof body.sha !== "string" || !COMMIT.test(body.sha) || !Array.isArray(body.siblings)) {
      throw new CareError(
        `${what}: the answer has no commit "sha" and "siblings" list (is HF_ENDPOINT a Hub?)`,
      );
    }
    return {
      commit: body.sha,
      files: body.siblings.map((s) => s.rfilename).filter((f): f is string => typeof f === "string"),
    };
  }

  /**
   * HEAD on the file's resolve URL, following the Hub's relative redirects (renamed repositories) but
   * not the absolute one to the storage host: that answer carries the file's X-Linked-Etag and
   * X-Linked-Size, and its Location is where the bytes are fetched from.
   */
  async fileInfo(repo: string, commit: string, file: string): Promise<FileInfo> {
    const what = `file "${file}" of ${repo}@${commit}`;
    let url = `${this.o.endpoint}/${repo}/resolve/${commit}/${file.split("/").map(encodeURIComponent).join("/")}`;
    for (let hops = 0; hops < 5; hops++) {
      const res = await this.send(
        url,
        { method: "HEAD", redirect: "manual", headers: { "accept-encoding": "identity" } },
        what,
      );
      const location = res.headers.get("location");
      let from = url;
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, url).href;
        if (location.startsWith("/")) {
          url = next;
          continue;
        }
        from = next;
      } else if (!res.ok) {
        throw this.refusal(res, what);
      }
      const etag = (res.headers.get("x-linked-etag") ?? res.headers.get("etag") ?? "")
        .replace(/^W\//, "")
        .replace(/"/g, "");
      const size = Number(res.headers.get("x-linked-size") ?? res.headers.get("content-length"));
      if (!etag || !/^[\w.-]+$/.test(etag)) {
        throw new CareError(`${what}: the answer has no usable ETag (a proxy in between may strip it)`);
      }
      if (!Number.isInteger(size) || size < 0) throw new CareError(`${what}: the answer has no file size`);
      return { file, etag, size, url: from };
    }
    throw new CareError(`${what}: too many redirects`);
  }

  /**
   * One request, tried again with backoff while the connection fails or the Hub answers 5xx or 429.
   * The last answer comes back whatever its status; a connection that never worked is HubUnreachable.
   */
  async send(url: string, init: RequestInit, what: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let problem: string;
      try {
        res = await fetch(url, {
          ...init,
          headers: this.headers(url, init.headers as Record<string, string>),
        });
        if (res.status < 500 && res.status !== 429) return res;
        problem = `HTTP ${res.status}`;
      } catch (e) {
        problem = causeOf(e);
      }
      if (attempt >= this.retries) {
        if (res) return res;
        throw new HubUnreachable(`${what}: cannot reach ${this.origin}: ${problem}`);
      }
      await res?.body?.cancel();
      await this.pause(attempt, what, problem);
    }
  }

  /** Waits before try `attempt + 2`, saying why on stderr. */
  async pause(attempt: number, what: string, problem: string): Promise<void> {
    const ms = Math.min(30_000, (this.o.backoffMs ?? 1000) * 2 ** attempt);
    if (!this.o.quiet)
      process.stderr.write(
        `hub: ${what}: ${problem}; trying again in ${(ms / 1000).toFixed(1)}s (${attempt + 2}/${this.retries + 1})\n`,
      );
    await new Promise((r) => setTimeout(r, ms));
  }

  /** The Hub's "no" as a message that says what to do about it. */
  refusal(res: Response, what: string): CareError {
    const said = res.headers.get("x-error-message");
    const detail = said ? ` (the Hub says: ${said})` : "";
    switch (res.status) {
      case 401:
        return new CareError(
          this.o.token
            ? `${what}: 401 unauthorized${detail}: the token in HF_TOKEN was refused, or cannot read this repository`
            : `${what}: 401 unauthorized${detail}: the model is gated or private, or does not exist; ` +
                `set HF_TOKEN to a token that may read it`,
        );
      case 403:
        return new CareError(
          `${what}: 403 forbidden${detail}: for a gated model, accept its terms on the model page ` +
            `with the account whose token HF_TOKEN holds`,
        );
      case 404:
        return new CareError(`${what}: not found (404)${detail}`);
      default:
        return new CareError(`${what}: the Hub answered ${res.status} ${res.statusText}${detail}`);
    }
  }
}

export function causeOf(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
