import pg from "pg";
import pgvector from "pgvector/pg";
import { CareError } from "../core/errors.js";
import type { Fields, Filter } from "./filter.js";
import { displayLocation as redactUrl } from "./location.js";
import type { IndexManifest } from "./manifest.js";
import {
  checkQuery,
  checkVectors,
  StoreUnavailable,
  type SearchHit,
  type SearchMode,
  type StoreDoc,
  type VectorStore,
} from "./store.js";

/** 1: tables care_schema (one row: version, dim, manifest) and care_docs (id, title, text, fields, embedding). */
export const PG_SCHEMA_VERSION = 1;

export interface PgOptions {
  /** "exact" turns the HNSW index off for each query (a sequential scan): the ground truth. */
  mode?: SearchMode;
  /** hnsw.ef_search; defaults to the build's expansionSearch. */
  expansionSearch?: number;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** hnsw.ef_search for filtered queries. Default 4 × expansionSearch (at most 1000, pgvector's cap). */
  filteredExpansionSearch?: number;
}

/** Connection-level failures: the server is down, restarting or unreachable (SQLSTATE classes 08, 57P). */
function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (
    typeof err.code === "string" &&
    /^(08|57P0[1-3]|53300|ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EPIPE)/.test(err.code)
  )
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
    err.message ?? "",
  );
}

/**
 * The PostgreSQL + pgvector backend. One database holds one index: `care_docs` with an HNSW index
 * (inner product: the vectors are unit length, so it ranks as cosine) and a GIN index on the fields.
 * Every process on the same database sees the same documents; there is nothing to reload.
 *
 * Filters run inside the query (`WHERE` beside `ORDER BY embedding <#> q`), with pgvector 0.8's
 * iterative index scan (`hnsw.iterative_scan = strict_order`) so a selective filter keeps scanning
 * the graph until k rows pass instead of returning fewer; a very selective filter is planned as a
 * scan of the GIN index plus an exact sort.
 */
export class PgStore implements VectorStore {
  readonly backend = "postgres";
  readonly location: string;

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
    public manifest: IndexManifest,
    readonly mode: SearchMode,
    private readonly filteredEf = 512,
  ) {
    this.location = redactUrl(url);
  }

  /**
   * The pool, each connection started with the search settings (libpq `options`, so a query costs no
   * extra round trip). An idle connection dropped by a restarting server must not crash the process:
   * its error is ignored and the next query opens a fresh one.
   */
  private static pool(url: string, options: PgOptions, efSearch: number): pg.Pool {
    const ef = Math.min(1000, Math.max(1, Math.floor(efSearch)));
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      options: `-c hnsw.ef_search=${ef} -c hnsw.iterative_scan=strict_order`,
    });
    pool.on("error", () => undefined);
    pool.on("connect", (client) => client.on("error", () => undefined));
    return pool;
  }

  /** One connection for reading or creating the schema, closed after `work`. */
  private static async once<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      return await work(client);
    } catch (e) {
      throw wrap(e, url);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Opens the index in a database; it must exist and be complete (as `care serve` needs). */
  static async open(url: string, options: PgOptions = {}): Promise<PgStore> {
    const manifest = await PgStore.once(url, (c) => readSchema(c, url));
    if (!manifest)
      throw new CareError(`no care index in ${redactUrl(url)}; build one with care index --store <url>`);
    const unfinished = manifest.sources.filter((s) => !s.complete).map((s) => s.path);
    if (unfinished.length)
      throw new CareError(
        `the index in ${redactUrl(url)} is still being built from ${unfinished.join(", ")}; rerun care index to finish it`,
      );
    const ef = options.expansionSearch ?? manifest.hnsw.expansionSearch;
    const pool = PgStore.pool(url, options, ef);
    const filteredEf = Math.min(1000, Math.floor(options.filteredExpansionSearch ?? 4 * ef));
    return new PgStore(pool, url, manifest, options.mode ?? "ann", filteredEf);
  }

  /**
   * Opens for building: creates the schema with `initial` when the database has none (under an
   * advisory lock, so concurrent builders agree), or returns the stored manifest for the caller to check.
   */
  static async forBuilding(url: string, initial: () => IndexManifest): Promise<PgStore> {
    const manifest = await PgStore.once(url, async (client) => {
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock(hashtext('care_schema'))");
        const m = (await readSchema(client, url)) ?? (await createSchema(client, initial()));
        await client.query("COMMIT");
        return m;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
    return new PgStore(PgStore.pool(url, {}, manifest.hnsw.expansionSearch), url, manifest, "ann");
  }

  private async query<R extends pg.QueryResultRow>(
    text: string | pg.QueryConfig,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return typeof text === "string"
        ? await this.pool.query<R>(text, values)
        : await this.pool.query<R>(text);
    } catch (e) {
      throw wrap(e, this.location);
    }
  }

  async writeManifest(manifest: IndexManifest): Promise<void> {
    await this.query("UPDATE care_schema SET manifest = $1", [JSON.stringify(manifest)]);
    this.manifest = manifest;
  }

  async count(): Promise<number> {
    const r = await this.query<{ n: string }>("SELECT count(*) AS n FROM care_docs");
    return Number(r.rows[0].n);
  }

  async search(query: Float32Array, k: number, filter: Filter = []): Promise<SearchHit[]> {
    checkQuery(query, this.manifest.dim);
    const values: unknown[] = [pgvector.toSql(Array.from(query)), k];
    const where = filter.length ? `WHERE ${filterSql(filter, values)}` : "";
    const sql =
      `SELECT id, title, text, fields, (embedding <#> $1) AS d FROM care_docs ${where} ` +
      "ORDER BY embedding <#> $1 LIMIT $2";
    type Row = { id: string; title: string | null; text: string; fields: Fields; d: number };
    let rows: Row[];
    // A filtered query gets a wider candidate list: iterative scanning stops as soon as k rows pass,
    // so at ef 128 under a 10% filter the true 10th match (near rank 100 unfiltered) is often missed.
    const settings =
      this.mode === "exact"
        ? ["SET LOCAL enable_indexscan = off"]
        : filter.length
          ? [`SET LOCAL hnsw.ef_search = ${this.filteredEf}`]
          : [];
    if (settings.length) {
      const client = await this.connect();
      try {
        await client.query("BEGIN");
        for (const s of settings) await client.query(s);
        rows = (await client.query<Row>(sql, values)).rows;
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw wrap(e, this.location);
      } finally {
        client.release();
      }
    } else rows = (await this.query<Row>({ name: "care_search", text: sql, values })).rows;
    return rows.map((r) => ({
      id: r.id,
      text: r.text,
      ...(r.title !== null ? { title: r.title } : {}),
      ...(Object.keys(r.fields).length ? { fields: r.fields } : {}),
      score: -r.d,
    }));
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw wrap(e, this.location);
    }
  }

  async existing(ids: string[]): Promise<Set<string>> {
    const r = await this.query<{ id: string }>("SELECT id FROM care_docs WHERE id = ANY($1::text[])", [ids]);
    return new Set(r.rows.map((x) => x.id));
  }

  async add(docs: StoreDoc[], vectors: Float32Array[]): Promise<number> {
    return this.write(docs, vectors, "ON CONFLICT (id) DO NOTHING");
  }

  async upsert(docs: StoreDoc[], vectors: Float32Array[]): Promise<void> {
    // One statement must not name an id twice under ON CONFLICT DO UPDATE: the last one wins.
    const last = new Map(docs.map((d, i) => [d.id, i]));
    const keep = [...last.values()];
    await this.write(
      keep.map((i) => docs[i]),
      keep.map((i) => vectors[i]),
      "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, text = EXCLUDED.text, " +
        "fields = EXCLUDED.fields, embedding = EXCLUDED.embedding",
    );
  }

  /** One statement per batch: all rows or none, so a kill never leaves half a batch. */
  private async write(docs: StoreDoc[], vectors: Float32Array[], conflict: string): Promise<number> {
    checkVectors(docs, vectors, this.manifest.dim);
    if (docs.length === 0) return 0;
    const r = await this.query(
      "INSERT INTO care_docs (id, title, text, fields, embedding) " +
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::vector[]) " +
        conflict,
      [
        docs.map((d) => d.id),
        docs.map((d) => d.title ?? null),
        docs.map((d) => d.text),
        docs.map((d) => JSON.stringify(d.fields ?? {})),
        vectors.map((v) => pgvector.toSql(Array.from(v))),
      ],
    );
    return r.rowCount ?? 0;
  }

  async delete(ids: string[]): Promise<number> {
    const r = await this.query("DELETE FROM care_docs WHERE id = ANY($1::text[])", [ids]);
    return r.rowCount ?? 0;
  }

  /**
   * Builds the HNSW index once the rows are in (pgvector builds an index over loaded rows several
   * times faster than it grows one row by row); later writes update it in place.
   */
  async ensureAnnIndex(maintenanceWorkMem = "1GB"): Promise<void> {
    const { connectivity: m, expansionAdd: ef } = this.manifest.hnsw;
    const client = await this.connect();
    try {
      await client.query(`SET maintenance_work_mem = '${maintenanceWorkMem.replace(/[^0-9A-Za-z]/g, "")}'`);
      await client.query(
        `CREATE INDEX IF NOT EXISTS care_docs_hnsw ON care_docs USING hnsw (embedding vector_ip_ops) ` +
          `WITH (m = ${Math.floor(m)}, ef_construction = ${Math.floor(ef)})`,
      );
    } catch (e) {
      throw wrap(e, this.location);
    } finally {
      client.release();
    }
  }

  /** Bytes on disk of the table and its indexes. */
  async bytes(): Promise<number> {
    const r = await this.query<{ b: string }>("SELECT pg_total_relation_size('care_docs') AS b");
    return Number(r.rows[0].b);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function readSchema(db: pg.ClientBase, url: string): Promise<IndexManifest | undefined> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('care_schema')::text AS t");
  if (!exists.rows[0].t) return undefined;
  const r = await db.query<{ version: number; dim: number; manifest: IndexManifest }>(
    "SELECT version, dim, manifest FROM care_schema",
  );
  const row = r.rows[0];
  if (!row) return undefined;
  if (row.version !== PG_SCHEMA_VERSION)
    throw new CareError(
      `the care index in ${redactUrl(url)} has schema version ${row.version}; this care uses version ` +
        `${PG_SCHEMA_VERSION}: rebuild it into an empty database`,
    );
  if (row.manifest.dim !== row.dim)
    throw new CareError(
      `the care index in ${redactUrl(url)} is inconsistent: dim ${row.dim} vs manifest ${row.manifest.dim}`,
    );
  return row.manifest;
}

async function createSchema(client: pg.ClientBase, manifest: IndexManifest): Promise<IndexManifest> {
  await client.query("CREATE EXTENSION IF NOT EXISTS vector");
  await client.query(
    `CREATE TABLE care_schema (
       singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
       version integer NOT NULL,
       dim integer NOT NULL,
       manifest jsonb NOT NULL
     )`,
  );
  await client.query(
    `CREATE TABLE care_docs (
       id text PRIMARY KEY,
       title text,
       text text NOT NULL,
       fields jsonb NOT NULL DEFAULT '{}',
       embedding vector(${Math.floor(manifest.dim)}) NOT NULL
     )`,
  );
  await client.query("CREATE INDEX care_docs_fields ON care_docs USING gin (fields jsonb_path_ops)");
  await client.query("INSERT INTO care_schema (version, dim, manifest) VALUES ($1, $2, $3)", [
    PG_SCHEMA_VERSION,
    manifest.dim,
    JSON.stringify(manifest),
  ]);
  return manifest;
}

/**
 * The filter as a SQL condition over the `fields` jsonb, its values appended to `values` as
 * parameters. Equality uses containment (`@>`, served by the GIN index); ranges compare numbers as
 * float8 and dates as strings in C collation, matching the embedded store's evaluation.
 */
export function filterSql(filter: Filter, values: unknown[]): string {
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  return filter
    .map(({ field, condition }) => {
      if ("eq" in condition) return `fields @> ${param(JSON.stringify({ [field]: condition.eq }))}::jsonb`;
      const f = param(field);
      if ("in" in condition)
        return `fields -> ${f} = ANY(${param(condition.in.map((v) => JSON.stringify(v)))}::jsonb[])`;
      const parts: string[] = [];
      const ops = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;
      for (const [op, sym] of Object.entries(ops)) {
        const bound = condition.range[op as keyof typeof ops];
        if (bound === undefined) continue;
        if (typeof bound === "number")
          parts.push(
            `(CASE WHEN jsonb_typeof(fields -> ${f}) = 'number' THEN (fields ->> ${f})::float8 END) ${sym} ${param(bound)}::float8`,
          );
        else
          parts.push(
            `(CASE WHEN jsonb_typeof(fields -> ${f}) = 'string' AND (fields ->> ${f}) ~ '^\\d{4}-\\d{2}-\\d{2}' ` +
              `THEN fields ->> ${f} END) COLLATE "C" ${sym} ${param(bound)}`,
          );
      }
      return parts.join(" AND ");
    })
    .join(" AND ");
}

function wrap(e: unknown, where: string): Error {
  if (e instanceof CareError) return e;
  if (isUnavailable(e))
    return new StoreUnavailable(
      `the vector store ${redactUrl(where)} is unavailable: ` +
        `${(e as Error).message || (e as { code?: string }).code}; retry when the database is back`,
    );
  return e as Error;
}
