import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { docText } from "../core/doc.js";
import { CareError } from "../core/errors.js";
import { DocStore } from "../store/doc-store.js";
import { TopK } from "../store/top-k.js";
import { readManifest, manifestPath } from "../store/manifest.js";
import { Progress } from "../util/progress.js";
import { BM25_DEFAULTS, Bm25Scorer } from "./bm25-scorer.js";
import { InvertedIndex } from "./inverted-index.js";
import { tokenize } from "./tokenize.js";

export const BM25_FILE = "bm25.sqlite";
/** Bumped when `tokenize` changes what it returns: terms stored by another version would not match. */
const TERMS_VERSION = 1;

/**
 * The BM25 side of an index folder: each stored document's terms (jieba, as `tokenize` cuts them),
 * keyed like the document store. Tokenising is the slow part of BM25, so it is done once here, in
 * batches each committed in one transaction; a killed build resumes after the last committed key, and a
 * rerun after updates drops deleted documents and adds the new ones.
 * Serving builds the inverted index in memory from these rows, which takes no tokenising.
 */
export function buildBm25Side(dir: string, options: { progress?: boolean; batchSize?: number } = {}): number {
  const manifest = readManifest(dir);
  if (!manifest) throw new CareError("not an index folder (index.json not found)", manifestPath(dir));
  const docs = DocStore.openReadOnly(dir, manifest.dim);
  const db = openTerms(join(dir, BM25_FILE), false);
  try {
    // Documents deleted or replaced since (care delete, care upsert, /admin) leave the side; a
    // replacement has a new key above `done` and is tokenised below like any new document.
    const drop = db.prepare("DELETE FROM terms WHERE key = ?");
    db.transaction((keys: number[]) => keys.forEach((k) => drop.run(k)))(docs.tombstoneKeys());
    const done = (db.prepare("SELECT COALESCE(MAX(key), 0) AS k FROM terms").get() as { k: number }).k;
    const total = docs.count();
    const already = (db.prepare("SELECT COUNT(*) AS n FROM terms").get() as { n: number }).n;
    const progress = new Progress("bm25 terms", total, "docs", options.progress === false);
    progress.tick(already);
    const insert = db.prepare("INSERT INTO terms (key, id, terms) VALUES (?, ?, ?)");
    const commit = db.transaction((rows: [number, string, string][]) => {
      for (const row of rows) insert.run(...row);
    });
    let added = 0;
    for (const batch of docs.docsAfter(done, Math.max(1, options.batchSize ?? 512))) {
      commit(batch.map((d) => [d.key, d.id, JSON.stringify(tokenize(docText(d)))]));
      added += batch.length;
      progress.tick(batch.length);
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
    progress.finish();
    return added;
  } finally {
    db.close();
    docs.close();
  }
}

/** A match of the BM25 side: the document's key in the store, its id and score. */
export interface KeyedHit {
  key: number;
  id: string;
  score: number;
}

/** The BM25 side opened for search: read-only, in memory, safe to share between requests. */
export class Bm25Side {
  private constructor(
    private readonly scorer: Bm25Scorer,
    private readonly ids: string[],
    private readonly keyOf: Map<string, number>,
  ) {}

  /** Opens the side of `dir`; `documents` is the store's count, which the side must match. */
  static open(dir: string, documents: number): Bm25Side {
    const file = join(dir, BM25_FILE);
    if (!existsSync(file))
      throw new CareError(
        "this index has no BM25 side; rerun care index on it (it adds the side without re-encoding)",
        file,
      );
    const db = openTerms(file, true);
    try {
      const count = (db.prepare("SELECT COUNT(*) AS n FROM terms").get() as { n: number }).n;
      if (count !== documents)
        throw new CareError(
          `the BM25 side holds ${count} of the index's ${documents} documents; rerun care index to finish it`,
          file,
        );
      const ids = new Array<string>(count);
      const keyOf = new Map<string, number>();
      const rows = db.prepare("SELECT key, id, terms FROM terms ORDER BY key").iterate() as Iterable<{
        key: number;
        id: string;
        terms: string;
      }>;
      let i = 0;
      const tokens = (function* () {
        for (const r of rows) {
          ids[i++] = r.id;
          keyOf.set(r.id, r.key);
          yield JSON.parse(r.terms) as string[];
        }
      })();
      const index = InvertedIndex.build(tokens);
      // jieba loads its dictionary on first use (~0.3 s): here, not in the first request.
      tokenize("");
      return new Bm25Side(new Bm25Scorer(index, BM25_DEFAULTS), ids, keyOf);
    } finally {
      db.close();
    }
  }

  get count(): number {
    return this.ids.length;
  }

  /** The `k` best documents sharing a term with the query, best first (fewer when fewer match). */
  search(query: string, k: number): KeyedHit[] {
    const top = new TopK(k, this.ids);
    this.scorer.forEachMatch(tokenize(query), (d, s) => top.offer(d, s));
    return top.sorted().map((h) => ({ key: this.keyOf.get(h.id)!, id: h.id, score: h.score }));
  }
}

function openTerms(file: string, readonly: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly });
  } catch (e) {
    throw new CareError(`cannot open the BM25 side: ${(e as Error).message}`, file);
  }
  if (readonly) {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version !== TERMS_VERSION) {
      db.close();
      throw new CareError(
        `BM25 side format ${version}; this care reads ${TERMS_VERSION}: delete the file and rerun care index`,
        file,
      );
    }
    return db;
  }
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Terms of another tokeniser version are dropped and cut again: mixed, they would not match.
  if (db.pragma("user_version", { simple: true }) !== TERMS_VERSION) db.exec("DROP TABLE IF EXISTS terms");
  db.exec(
    "CREATE TABLE IF NOT EXISTS terms (key INTEGER PRIMARY KEY, id TEXT NOT NULL, terms TEXT NOT NULL)",
  );
  db.pragma(`user_version = ${TERMS_VERSION}`);
  return db;
}
