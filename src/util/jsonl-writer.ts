import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Streams JSONL rows into a temporary sibling and renames it over the target on commit, so a large
 * output never has to be built as one string and readers never see a half-written file.
 */
export class AtomicJsonlWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  count = 0;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    this.fd = openSync(this.tmp, "w");
  }

  write(row: unknown): void {
    const buf = Buffer.from(JSON.stringify(row) + "\n", "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
    this.count++;
  }

  commit(): void {
    fsyncSync(this.fd!);
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.tmp, this.file);
  }

  /** Drops the partial output (on error); the target keeps whatever it held before. */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}
