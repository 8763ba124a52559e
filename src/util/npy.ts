import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Bytes before the data: room for any [rows, dim] shape, a multiple of 64 as the format asks. */
const HEADER_BYTES = 128;

/**
 * Streams float32 rows into a NumPy .npy file (format 1.0, little-endian, C order, shape [rows, dim]).
 * The row count is known only at the end, so the header is written last into a fixed-size slot; the
 * file appears under its name only when complete (temporary sibling, fsync, rename).
 */
export class NpyWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private offset = HEADER_BYTES;
  private rows = 0;

  constructor(
    private readonly file: string,
    private readonly dim: number,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    this.fd = openSync(this.tmp, "w");
  }

  append(row: Float32Array): void {
    if (row.length !== this.dim) throw new Error(`row of ${row.length} values in a ${this.dim}-wide .npy`);
    const le = Buffer.alloc(row.length * 4);
    row.forEach((v, i) => le.writeFloatLE(v, i * 4));
    this.offset += writeSync(this.fd, le, 0, le.length, this.offset);
    this.rows++;
  }

  close(): void {
    try {
      writeSync(this.fd, npyHeader([this.rows, this.dim]), 0, HEADER_BYTES, 0);
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
    renameSync(this.tmp, this.file);
  }

  /** Drops the unfinished file. */
  abort(): void {
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }
}

export function npyHeader(shape: number[]): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const head = Buffer.alloc(HEADER_BYTES, 0x20);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(HEADER_BYTES - 10, 8);
  head.write(dict, 10, "latin1");
  head[HEADER_BYTES - 1] = 0x0a;
  return head;
}
