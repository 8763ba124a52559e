import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { CareError } from "../core/errors.js";

/**
 * An append-only file of float32 vectors, fsynced per append, that a resumed job cuts back to the
 * count its progress marker recorded (vectors past it belong to a chunk that never committed).
 */
export class VectorLog {
  private fd: number | undefined;
  private count: number;

  constructor(
    readonly file: string,
    readonly dim: number,
    committed: number,
  ) {
    const bytes = committed * dim * 4;
    if (committed > 0 && (!existsSync(file) || statSync(file).size < bytes))
      throw new CareError(
        `holds fewer than the ${committed} vectors the progress marker records; delete the partial run`,
        file,
      );
    this.fd = openSync(file, existsSync(file) ? "r+" : "w");
    ftruncateSync(this.fd, bytes);
    this.count = committed;
  }

  /** The committed vectors, read back exactly as written. */
  *vectors(): Generator<Float32Array> {
    const rowBytes = this.dim * 4;
    for (let i = 0; i < this.count; i++) {
      const buf = Buffer.alloc(rowBytes);
      readSync(this.fd!, buf, 0, rowBytes, i * rowBytes);
      yield new Float32Array(buf.buffer, buf.byteOffset, this.dim).slice();
    }
  }

  append(rows: readonly Float32Array[]): void {
    if (rows.length === 0) return;
    const buf = Buffer.alloc(rows.length * this.dim * 4);
    rows.forEach((r, i) => buf.set(new Uint8Array(r.buffer, r.byteOffset, this.dim * 4), i * this.dim * 4));
    let off = 0;
    const at = this.count * this.dim * 4;
    while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off, at + off);
    fsyncSync(this.fd!);
    this.count += rows.length;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Closes and deletes the file (the job is done; the output holds the rows). */
  remove(): void {
    this.close();
    rmSync(this.file, { force: true });
  }
}
