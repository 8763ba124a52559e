import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname } from "node:path";
import { CareError } from "../core/errors.js";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "./dtype.js";
import type { TensorSource } from "./source.js";

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping tensor names to
 * {dtype, shape, data_offsets}, then the raw little-endian data. The reader keeps only the header in
 * memory and reads each tensor with a positioned read when asked, so loading a checkpoint never holds
 * it twice.
 */

export type StoredDtype = "F32" | "F16" | "BF16" | "F64" | "I64" | "I32";
export type WriteDtype = "F32" | "F16" | "BF16";

const DTYPE_BYTES: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 };
/** Headers past this size are not checkpoints but corruption (the reference implementation uses 100 MB). */
const MAX_HEADER = 100 * 1024 * 1024;

export interface TensorEntry {
  dtype: StoredDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export class SafetensorsFile implements TensorSource {
  readonly entries: Map<string, TensorEntry>;
  readonly metadata: Record<string, string>;
  private fd: number | undefined;

  private constructor(
    readonly file: string,
    fd: number,
    entries: Map<string, TensorEntry>,
    metadata: Record<string, string>,
  ) {
    this.fd = fd;
    this.entries = entries;
    this.metadata = metadata;
  }

  static open(file: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch (e) {
      throw new CareError(`cannot open safetensors file: ${(e as Error).message}`, file);
    }
    try {
      const { entries, metadata } = readHeader(fd, file);
      return new SafetensorsFile(file, fd, entries, metadata);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
  has(name: string): boolean {
    return this.entries.has(name);
  }
  shape(name: string): number[] {
    return [...this.entry(name).shape];
  }
  dtype(name: string): StoredDtype {
    return this.entry(name).dtype;
  }

  /** The stored bytes of one tensor, unconverted (for writers that keep the checkpoint's dtype). */
  raw(name: string): Uint8Array {
    const e = this.entry(name);
    // A fresh Uint8Array starts at offset 0, so typed views of any element size line up.
    const buf = new Uint8Array(e.end - e.begin);
    this.readInto(buf, e.begin);
    return buf;
  }

  float32(name: string): Float32Array {
    const e = this.entry(name);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (e.dtype === "F32") {
      // Read straight into the result's buffer: no intermediate copy.
      const out = new Float32Array(count);
      this.readInto(new Uint8Array(out.buffer), e.begin);
      return out;
    }
    const aligned = this.raw(name);
    switch (e.dtype) {
      case "F16":
        return f16ToF32(new Uint16Array(aligned.buffer));
      case "BF16":
        return bf16ToF32(new Uint16Array(aligned.buffer));
      case "F64":
        return Float32Array.from(new Float64Array(aligned.buffer));
      case "I64":
        return Float32Array.from(new BigInt64Array(aligned.buffer), (v) => Number(v));
      case "I32":
        return Float32Array.from(new Int32Array(aligned.buffer));
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private entry(name: string): TensorEntry {
    const e = this.entries.get(name);
    if (!e) throw new CareError(`no tensor "${name}"`, this.file);
    return e;
  }

  private readInto(buf: Uint8Array, position: number): void {
    if (this.fd === undefined) this.fd = openSync(this.file, "r");
    let off = 0;
    while (off < buf.length) {
      const n = readSync(this.fd, buf, off, buf.length - off, position + off);
      if (n === 0) throw new CareError(`file ends inside tensor data (truncated?)`, this.file);
      off += n;
    }
  }
}

function readHeader(
  fd: number,
  file: string,
): { entries: Map<string, TensorEntry>; metadata: Record<string, string> } {
  const size = fstatSync(fd).size;
  if (size < 8)
    throw new CareError(`not a safetensors file: ${size} bytes, shorter than the 8-byte header length`, file);
  const lenBuf = Buffer.alloc(8);
  readSync(fd, lenBuf, 0, 8, 0);
  const headerLen = Number(lenBuf.readBigUInt64LE(0));
  if (headerLen > MAX_HEADER || 8 + headerLen > size) {
    throw new CareError(
      `corrupt or truncated safetensors header: it claims ${headerLen} bytes but the file has ${size}`,
      file,
    );
  }
  const headerBuf = Buffer.alloc(headerLen);
  readSync(fd, headerBuf, 0, headerLen, 8);
  let header: unknown;
  try {
    header = JSON.parse(headerBuf.toString("utf8"));
  } catch (e) {
    throw new CareError(`corrupt safetensors header: ${(e as Error).message}`, file);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) {
    throw new CareError("corrupt safetensors header: not a JSON object", file);
  }
  const dataStart = 8 + headerLen;
  const dataLen = size - dataStart;
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const bad = (why: string) => new CareError(`tensor "${name}": ${why}`, file);
    const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!r || typeof r !== "object") throw bad("header entry is not an object");
    if (typeof r.dtype !== "string" || !(r.dtype in DTYPE_BYTES)) {
      throw bad(`dtype ${JSON.stringify(r.dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(", ")}`);
    }
    const dtype = r.dtype as StoredDtype;
    if (!Array.isArray(r.shape) || !r.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw bad(`bad shape ${JSON.stringify(r.shape)}`);
    }
    const off = r.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isInteger(d) && d >= 0) ||
      off[1] < off[0]
    ) {
      throw bad(`bad data_offsets ${JSON.stringify(off)}`);
    }
    const shape = r.shape as number[];
    const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (off[1] - off[0] !== expected) {
      throw bad(
        `data_offsets span ${off[1] - off[0]} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`,
      );
    }
    if (off[1] > dataLen) {
      throw bad(`data ends at byte ${off[1]} of a ${dataLen}-byte data section (truncated file?)`);
    }
    entries.set(name, { dtype, shape, begin: dataStart + off[0], end: dataStart + off[1] });
  }
  const sorted = [...entries.entries()].sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i][1].begin < sorted[i - 1][1].end) {
      throw new CareError(`tensors "${sorted[i - 1][0]}" and "${sorted[i][0]}" overlap`, file);
    }
  }
  return { entries, metadata };
}

/** A tensor to write: its values all at once, or as a stream of chunks (large random checkpoints). */
export interface WriteTensor {
  name: string;
  shape: number[];
  dtype: WriteDtype;
  data: Float32Array | (() => Iterable<Float32Array>);
}

/**
 * Writes a safetensors file atomically (temporary sibling, fsync, rename). Data goes out tensor by
 * tensor and chunk by chunk, so memory stays bounded by the largest chunk.
 */
export function writeSafetensors(
  file: string,
  tensors: WriteTensor[],
  metadata: Record<string, string> = {},
): void {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new CareError(`duplicate tensor "${t.name}"`, file);
    seen.add(t.name);
    const bytes = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));

  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${dirname(file)}/.${basename(file)}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, "w");
  try {
    writeAll(fd, len);
    writeAll(fd, headerBytes);
    for (const t of tensors) {
      const want = t.shape.reduce((a, b) => a * b, 1);
      let got = 0;
      const chunks = t.data instanceof Float32Array ? [t.data] : t.data();
      for (const chunk of chunks) {
        got += chunk.length;
        if (got > want) break;
        writeAll(fd, encode(chunk, t.dtype));
      }
      if (got !== want)
        throw new CareError(`tensor "${t.name}": got ${got} values for shape [${t.shape}]`, file);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

function encode(values: Float32Array, dtype: WriteDtype): Uint8Array {
  switch (dtype) {
    case "F32":
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case "F16": {
      const h = f32ToF16(values);
      return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
    }
    case "BF16": {
      const h = f32ToBf16(values);
      return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
    }
  }
}

function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}
