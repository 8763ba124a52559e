import Fastify from "fastify";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import { isScore, ReviewLabels, type ReviewLabel } from "./review-labels.js";
import { reviewPageHtml } from "./review-page.js";
import { LABELS_FILE, readReviewSample, type ReviewItem } from "./review-sample.js";

export interface ReviewServerOptions {
  /** The review folder: sample.jsonl (made by `care curate review`) and labels.jsonl. */
  dir: string;
  port?: number;
  /** Loopback by default: the page has no login, so exposing it is a deliberate choice. */
  host?: string;
}

export interface ReviewServer {
  url: string;
  close(): Promise<void>;
}

const EXPORT_COLUMNS = [
  "reviewer",
  "pair_id",
  "task",
  "query_id",
  "doc_id",
  "score",
  "at",
  "query",
  "doc",
] as const;

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Every reviewer's current labels joined with the pairs they are about. */
export function exportRows(items: readonly ReviewItem[], labels: readonly ReviewLabel[]) {
  const byId = new Map(items.map((it) => [it.pair_id, it]));
  return labels
    .filter((l) => byId.has(l.pair_id))
    .map((l) => {
      const it = byId.get(l.pair_id)!;
      return {
        reviewer: l.reviewer,
        pair_id: l.pair_id,
        task: it.task,
        query_id: it.query_id,
        doc_id: it.doc_id,
        score: l.score,
        at: l.at,
        query: it.query,
        doc: it.doc,
      };
    });
}

export function exportCsv(rows: ReturnType<typeof exportRows>): string {
  // A BOM so that spreadsheet programs open the Chinese text as UTF-8.
  const lines = [EXPORT_COLUMNS.join(",")];
  for (const r of rows) lines.push(EXPORT_COLUMNS.map((c) => csvCell(r[c])).join(","));
  return "\uFEFF" + lines.join("\r\n") + "\r\n";
}

export function exportJsonl(rows: ReturnType<typeof exportRows>): string {
  return rows.map((r) => JSON.stringify(r) + "\n").join("");
}

/** Serves the review page and its small JSON API over the sample in `dir`. */
export async function startReviewServer(opts: ReviewServerOptions): Promise<ReviewServer> {
  const items = await readReviewSample(opts.dir);
  const known = new Set(items.map((it) => it.pair_id));
  const labels = ReviewLabels.open(join(opts.dir, LABELS_FILE));
  const page = reviewPageHtml();
  // Only what a reviewer needs: the pipeline's decision stays on the server.
  const shown = items.map(({ pipeline: _p, ...rest }) => rest);
  const app = Fastify({ logger: false });

  const reviewerOf = (v: unknown): string | undefined =>
    typeof v === "string" && v.trim() !== "" && v.trim().length <= 64 ? v.trim() : undefined;

  app.get("/", async (_req, reply) => reply.type("text/html; charset=utf-8").send(page));
  app.get("/api/state", async (req, reply) => {
    const reviewer = reviewerOf((req.query as Record<string, unknown>).reviewer);
    if (!reviewer) return reply.code(400).send("reviewer: a name of 1 to 64 characters is required");
    return {
      items: shown,
      labels: Object.fromEntries(labels.scoresOf(reviewer)),
      reviewers: labels.reviewers(),
    };
  });
  app.post("/api/label", async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reviewer = reviewerOf(body.reviewer);
    if (!reviewer) return reply.code(400).send("reviewer: a name of 1 to 64 characters is required");
    if (typeof body.pair_id !== "string" || !known.has(body.pair_id)) {
      return reply.code(400).send("pair_id: not a pair of this review sample");
    }
    if (!isScore(body.score)) return reply.code(400).send("score: must be an integer from 1 to 5");
    const saved = labels.add(reviewer, body.pair_id, body.score);
    return { saved, labelled: labels.scoresOf(reviewer).size };
  });
  app.get("/export.csv", async (_req, reply) =>
    reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", 'attachment; filename="review-labels.csv"')
      .send(exportCsv(exportRows(items, labels.all()))),
  );
  app.get("/export.jsonl", async (_req, reply) =>
    reply
      .type("application/x-ndjson; charset=utf-8")
      .header("content-disposition", 'attachment; filename="review-labels.jsonl"')
      .send(exportJsonl(exportRows(items, labels.all()))),
  );

  try {
    await app.listen({ port: opts.port ?? 0, host: opts.host ?? "127.0.0.1" });
  } catch (e) {
    labels.close();
    throw new CareError(`cannot serve the review page: ${(e as Error).message}`);
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/`,
    close: async () => {
      await app.close();
      labels.close();
    },
  };
}
