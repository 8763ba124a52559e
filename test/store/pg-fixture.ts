import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * TEST FIXTURE: the PostgreSQL + pgvector server that `scripts/ci/postgres.sh` starts (.ci/run calls it
 * and exports CARE_TEST_PG_URL). In CI a missing URL fails the tests; elsewhere they use the script's
 * default address, and fail with a hint when nothing listens there. Never skipped.
 */
export function adminUrl(): string {
  const url = process.env.CARE_TEST_PG_URL;
  if (url) return url;
  if (process.env.CI)
    throw new Error("CARE_TEST_PG_URL is not set: .ci/run must run scripts/ci/postgres.sh and export it");
  return "postgres://postgres@127.0.0.1:54329/postgres";
}

/** A new empty database on the test server (one per test, so tests never share an index). */
export async function freshDatabase(tag: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = adminUrl();
  const name = `care_${tag}_${process.pid}_${Math.floor(Math.random() * 1e9)}`.toLowerCase();
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(
      `cannot reach the test PostgreSQL at ${url} (${(e as Error).message}): run scripts/ci/postgres.sh first`,
      { cause: e },
    );
  }
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

const BIN = "/usr/lib/postgresql/15/bin";

/**
 * A private cluster of the installed PostgreSQL 15 (pgvector included) on its own port, for tests that
 * stop and restart the server; the shared one keeps serving the other test files meanwhile.
 */
export class PrivateCluster {
  readonly dir = mkdtempSync(join(tmpdir(), "care-pgcluster-"));
  readonly data = join(this.dir, "data");
  readonly url: string;

  constructor(readonly port: number) {
    chmodSync(this.dir, 0o777);
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    this.run(`${BIN}/initdb -D ${this.data} -A trust -U postgres`);
  }

  /** initdb and pg_ctl refuse root: as root (CI) they run as the postgres user. */
  private run(cmd: string): void {
    const line = process.getuid?.() === 0 ? 'su postgres -c "$CARE_PG_CMD"' : 'sh -c "$CARE_PG_CMD"';
    execFileSync("sh", ["-c", line], { stdio: "ignore", env: { ...process.env, CARE_PG_CMD: cmd } });
  }

  start(): void {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    this.run(`${BIN}/pg_ctl -D ${this.data} -o '${opts}' -l ${this.dir}/log -w start`);
  }

  stop(): void {
    this.run(`${BIN}/pg_ctl -D ${this.data} -m fast -w stop`);
  }

  remove(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
