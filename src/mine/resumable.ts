import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";

interface Marker<C> {
  version: 1;
  /** Hash of the settings that decide the output: a run with other settings must not continue this one. */
  config: string;
  /** Input rows whose output is in the partial file, and that file's length after them. */
  rows_done: number;
  bytes: number;
  counts: C;
}

/** A stable hash of a run's settings and inputs (paths resolved, file sizes included). */
export function configHash(settings: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);
}

/** What identifies an input file for resuming: its absolute path and size. */
export function fileIdentity(file: string): { path: string; size: number } {
  if (!existsSync(file)) throw new CareError("file not found", file);
  return { path: resolve(file), size: statSync(file).size };
}

/**
 * An append-only JSONL output that survives SIGKILL. Rows go to `<out>.partial` a chunk at a time; after
 * each chunk the file is fsynced and `<out>.progress.json` records (atomically) how many input rows
 * are done, the file length and the running counts. A rerun truncates the partial file to that length
 * (dropping a chunk cut off mid-write), skips the done rows and goes on, so its output is byte-identical
 * to an uninterrupted run as long as each chunk is a pure function of its input rows.
 * `finish` renames the partial file over `out`: readers never see a half-written output.
 */
export class ResumableJsonl<C> {
  private readonly partial: string;
  private readonly markerFile: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private bytes: number;
  private done: number;

  private constructor(
    readonly out: string,
    private readonly config: string,
    public counts: C,
    resumed: Marker<C> | undefined,
  ) {
    this.partial = `${out}.partial`;
    this.markerFile = `${out}.progress.json`;
    mkdirSync(dirname(resolve(out)), { recursive: true });
    this.fd = openSync(this.partial, existsSync(this.partial) ? "r+" : "w");
    this.bytes = resumed?.bytes ?? 0;
    this.done = resumed?.rows_done ?? 0;
    if (resumed) this.counts = resumed.counts;
    // Whatever lies past the last recorded chunk was cut off by the crash.
    ftruncateSync(this.fd, this.bytes);
  }

  /**
   * Opens the output, resuming a run with the same `settings` if one was interrupted. An interrupted
   * run with other settings is refused, naming the files to remove, rather than mixed into this one.
   */
  static open<C>(out: string, settings: Record<string, unknown>, initialCounts: C): ResumableJsonl<C> {
    const config = configHash(settings);
    const markerFile = `${out}.progress.json`;
    let marker: Marker<C> | undefined;
    if (existsSync(markerFile)) {
      try {
        marker = JSON.parse(readFileSync(markerFile, "utf8")) as Marker<C>;
      } catch (e) {
        throw new CareError(`unreadable progress marker: ${(e as Error).message}`, markerFile);
      }
      if (marker.config !== config) {
        throw new CareError(
          `an interrupted run with other settings or inputs left this marker; rerun it with the same ` +
            `settings, or delete it and ${out}.partial to start afresh`,
          markerFile,
        );
      }
      if (!existsSync(`${out}.partial`) || statSync(`${out}.partial`).size < marker.bytes)
        throw new CareError(`the partial output is shorter than the marker says; delete both`, markerFile);
    }
    return new ResumableJsonl(out, config, initialCounts, marker);
  }

  /** Input rows already done by an earlier run (skip them). */
  get rowsDone(): number {
    return this.done;
  }

  /** The partial output, readable while the run goes on (rows of committed chunks only past `bytes`). */
  get partialFile(): string {
    return this.partial;
  }

  get committedBytes(): number {
    return this.bytes;
  }

  write(row: unknown): void {
    this.pending.push(JSON.stringify(row) + "\n");
  }

  /** Makes the rows written since the last commit durable, as the output of input rows up to `rowsDone`. */
  commit(rowsDone: number): void {
    if (this.pending.length > 0) {
      const buf = Buffer.from(this.pending.join(""), "utf8");
      this.pending = [];
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off, this.bytes + off);
      fsyncSync(this.fd!);
      this.bytes += buf.length;
    }
    this.done = rowsDone;
    const marker: Marker<C> = {
      version: 1,
      config: this.config,
      rows_done: rowsDone,
      bytes: this.bytes,
      counts: this.counts,
    };
    writeFileAtomic(this.markerFile, JSON.stringify(marker) + "\n");
  }

  /** Publishes the output: closes the partial file, renames it over `out`, removes the marker. */
  finish(): void {
    if (this.pending.length > 0) throw new Error("ResumableJsonl.finish: uncommitted rows");
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.partial, this.out);
    rmSync(this.markerFile, { force: true });
  }

  /** Closes without publishing (on error): the partial file and marker stay for a rerun. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Drives a chunked job over a row stream: skips the rows an earlier run finished, hands the rest to
 * `work` in chunks of `chunkSize` and commits after each. `work` writes the chunk's output rows.
 */
export async function runChunks<T, C>(
  rows: AsyncIterable<T>,
  out: ResumableJsonl<C>,
  chunkSize: number,
  work: (chunk: T[]) => Promise<void>,
  onChunk?: (n: number) => void,
): Promise<void> {
  let seen = 0;
  let chunk: T[] = [];
  const flush = async () => {
    await work(chunk);
    out.commit(seen);
    onChunk?.(chunk.length);
    chunk = [];
  };
  for await (const r of rows) {
    seen++;
    if (seen <= out.rowsDone) continue;
    chunk.push(r);
    if (chunk.length >= chunkSize) await flush();
  }
  if (chunk.length > 0) await flush();
  if (seen < out.rowsDone)
    throw new CareError(`the input has ${seen} rows but an earlier run recorded ${out.rowsDone} done`);
}
