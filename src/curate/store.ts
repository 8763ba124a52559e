import Database from "better-sqlite3";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CareError } from "../core/errors.js";
import type { Judgment } from "./judge.js";

const SCHEMA_VERSION = 1;

/** Spend and outcome of one judge over every judgment in the store. */
export interface JudgeTotals {
  judge: string;
  /** Pairs whose latest judgment has a score / is a failure. */
  scored: number;
  failed: number;
  asks: number;
  input_tokens: number;
  output_tokens: number;
  cost: number;
}

/**
 * The durable, append-only judgment store: SQLite (better-sqlite3) in WAL mode with synchronous=FULL,
 * one transaction per judgment, so a judgment is on disk before the next is asked for and a SIGKILL or
 * power cut loses at most the ones in flight. Chosen over fsynced JSONL because a rerun must look up
 * "is (judge, rubric version, pair) done?" for every pair without reading the whole history into memory
 * (mining asks about millions of pairs), a crash can leave no torn last line to repair, and readers
 * (stats, review) can open the store while a judge run is still writing.
 * Rows are never updated: re-judging a failure appends a new row, the latest row per key is the verdict,
 * and the cost totals count every row, as every row was paid for.
 */
export class JudgmentStore {
  private readonly insertStmt: Database.Statement;
  private readonly latestStmt: Database.Statement;
  private readonly pairStmt: Database.Statement;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO judgments (judge, rubric_version, pair_id, model, score, reason, error, raw, asks,
         input_tokens, output_tokens, cost, latency_ms, judged_at)
       VALUES (@judge, @rubric_version, @pair_id, @model, @score, @reason, @error, @raw, @asks,
         @input_tokens, @output_tokens, @cost, @latency_ms, @judged_at)`,
    );
    this.latestStmt = db.prepare(
      `SELECT score FROM judgments WHERE pair_id = ? AND rubric_version = ? AND judge = ? ORDER BY id DESC LIMIT 1`,
    );
    this.pairStmt = db.prepare(
      `SELECT * FROM judgments WHERE pair_id = ? AND rubric_version = ? ORDER BY id`,
    );
  }

  /** Opens (creating if needed) `<dir>/judgments.sqlite`. `readonly` refuses to create one. */
  static open(dir: string, opts: { readonly?: boolean } = {}): JudgmentStore {
    const file = join(dir, "judgments.sqlite");
    if (opts.readonly && !existsSync(file))
      throw new CareError("no judgment store here (run care curate judge)", file);
    if (!opts.readonly) mkdirSync(dir, { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: opts.readonly ?? false });
      db.pragma("busy_timeout = 10000");
      if (!opts.readonly) {
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = FULL");
      }
    } catch (e) {
      throw new CareError(`cannot open the judgment store: ${(e as Error).message}`, file);
    }
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new CareError(
        `judgment store schema ${version} is newer than this care (${SCHEMA_VERSION})`,
        file,
      );
    }
    if (version === 0 && !opts.readonly) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS judgments (
          id INTEGER PRIMARY KEY,
          judge TEXT NOT NULL, rubric_version TEXT NOT NULL, pair_id TEXT NOT NULL, model TEXT NOT NULL,
          score INTEGER, reason TEXT, error TEXT, raw TEXT,
          asks INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
          cost REAL NOT NULL, latency_ms INTEGER NOT NULL, judged_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS judgments_key ON judgments (pair_id, rubric_version, judge, id);
        PRAGMA user_version = ${SCHEMA_VERSION};`);
    }
    return new JudgmentStore(db, file);
  }

  append(j: Judgment): void {
    this.insertStmt.run(j);
  }

  /** The state of a key: "scored", "failed" (latest judgment is a failure) or undefined (never asked). */
  status(judge: string, rubricVersion: string, pairId: string): "scored" | "failed" | undefined {
    const row = this.latestStmt.get(pairId, rubricVersion, judge) as { score: number | null } | undefined;
    if (!row) return undefined;
    return row.score === null ? "failed" : "scored";
  }

  /** The latest judgment of each judge on a pair. */
  latestForPair(pairId: string, rubricVersion: string): Map<string, Judgment> {
    const out = new Map<string, Judgment>();
    for (const row of this.pairStmt.iterate(pairId, rubricVersion) as Iterable<Judgment & { id: number }>) {
      const { id: _id, ...j } = row;
      out.set(j.judge, j);
    }
    return out;
  }

  /** Judges with at least one judgment under this rubric version, by name. */
  judges(rubricVersion: string): string[] {
    return (
      this.db
        .prepare(`SELECT DISTINCT judge FROM judgments WHERE rubric_version = ? ORDER BY judge`)
        .all(rubricVersion) as { judge: string }[]
    ).map((r) => r.judge);
  }

  totals(rubricVersion: string): JudgeTotals[] {
    return this.db
      .prepare(
        `WITH latest AS (
           SELECT judge, score FROM judgments j
           WHERE rubric_version = @v AND id = (SELECT MAX(id) FROM judgments k
             WHERE k.pair_id = j.pair_id AND k.rubric_version = j.rubric_version AND k.judge = j.judge))
         SELECT s.judge,
           (SELECT COUNT(*) FROM latest l WHERE l.judge = s.judge AND l.score IS NOT NULL) AS scored,
           (SELECT COUNT(*) FROM latest l WHERE l.judge = s.judge AND l.score IS NULL) AS failed,
           SUM(asks) AS asks, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
           SUM(cost) AS cost
         FROM judgments s WHERE rubric_version = @v GROUP BY s.judge ORDER BY s.judge`,
      )
      .all({ v: rubricVersion }) as JudgeTotals[];
  }

  /** Every stored row, oldest first (the audit trail, re-judged failures included). */
  *rows(): IterableIterator<Judgment> {
    for (const row of this.db.prepare(`SELECT * FROM judgments ORDER BY id`).iterate() as Iterable<
      Judgment & { id: number }
    >) {
      const { id: _id, ...j } = row;
      yield j;
    }
  }

  close(): void {
    this.db.close();
  }
}
