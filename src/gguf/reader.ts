import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { CareError } from "../core/errors.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgmlType, GgufValueType } from "./format.js";
import { tensorBytes } from "./tensor-type.js";

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml order (innermost first), as stored. */
  dims: number[];
  type: number;
  /** Absolute file offset of the tensor's data. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
}

/** Bytes read from disk at a time while parsing the header. */
const READ_CHUNK = 1 << 20;

/**
 * Parses a GGUF file's header, metadata and tensor infos with bounds checks, and checks that every
 * tensor of a known type lies inside the file. node-llama-cpp's own parser (and model loader) never
 * settle on a truncated header, so files are vetted here first; every failure is a CareError naming
 * the file and what is wrong.
 */
export function readGgufHeader(file: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new CareError(`cannot open: ${(e as Error).message}`, file);
  }
  try {
    const size = fstatSync(fd).size;
    const r = new Reader(fd, size, file);
    if (r.bytes(4).toString("latin1") !== GGUF_MAGIC)
      throw new CareError("not a GGUF file (bad magic)", file);
    const version = r.u32();
    if (version !== 2 && version !== 3) throw new CareError(`unsupported GGUF version ${version}`, file);
    const tensorCount = r.count("tensor count");
    const kvCount = r.count("metadata count");
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = r.string();
      metadata.set(key, r.value(r.u32()));
    }
    const raw: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = r.string();
      const nd = r.u32();
      if (nd > 8) throw new CareError(`tensor "${name}" has ${nd} dimensions`, file);
      const dims = Array.from({ length: nd }, () => r.count(`tensor "${name}" dimension`));
      raw.push({ name, dims, type: r.u32(), offset: r.count(`tensor "${name}" offset`) });
    }
    const alignment = Number(metadata.get("general.alignment") ?? GGUF_DEFAULT_ALIGNMENT);
    const dataStart = Math.ceil(r.pos / alignment) * alignment;
    const tensors = raw.map((t) => ({ ...t, offset: dataStart + t.offset }));
    for (const t of tensors) {
      if (!(t.type in GgmlType)) continue; // a type we do not size: llama.cpp checks it at load
      const end =
        t.offset +
        tensorBytes(
          t.type,
          t.dims.reduce((a, b) => a * b, 1),
        );
      if (end > size)
        throw new CareError(`tensor "${t.name}" ends at byte ${end}, past the file's ${size}`, file);
    }
    return { version, metadata, tensors };
  } finally {
    closeSync(fd);
  }
}

class Reader {
  pos = 0;
  private buf = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly file: string,
  ) {}

  bytes(n: number): Buffer {
    if (this.pos + n > this.size)
      throw new CareError(`truncated GGUF header (needs byte ${this.pos + n})`, this.file);
    if (this.pos + n > this.bufStart + this.buf.length) {
      const more = Buffer.alloc(Math.max(n, READ_CHUNK));
      this.buf = more.subarray(0, readSync(this.fd, more, 0, more.length, this.pos));
      this.bufStart = this.pos;
    }
    const out = this.buf.subarray(this.pos - this.bufStart, this.pos - this.bufStart + n);
    this.pos += n;
    return out;
  }
  u32(): number {
    return this.bytes(4).readUInt32LE();
  }
  /** A u64 that must fit in a JS number and in the file (counts, offsets, dimensions). */
  count(what: string): number {
    const v = this.bytes(8).readBigUInt64LE();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CareError(`${what} ${v} is out of range`, this.file);
    return Number(v);
  }
  string(): string {
    return this.bytes(this.count("string length")).toString("utf8");
  }
  value(type: number): GgufValue {
    switch (type) {
      case GgufValueType.UINT8:
        return this.bytes(1).readUInt8();
      case GgufValueType.INT8:
        return this.bytes(1).readInt8();
      case GgufValueType.UINT16:
        return this.bytes(2).readUInt16LE();
      case GgufValueType.INT16:
        return this.bytes(2).readInt16LE();
      case GgufValueType.UINT32:
        return this.u32();
      case GgufValueType.INT32:
        return this.bytes(4).readInt32LE();
      case GgufValueType.FLOAT32:
        return this.bytes(4).readFloatLE();
      case GgufValueType.BOOL:
        return this.bytes(1).readUInt8() !== 0;
      case GgufValueType.STRING:
        return this.string();
      case GgufValueType.UINT64:
        return this.bytes(8).readBigUInt64LE();
      case GgufValueType.INT64:
        return this.bytes(8).readBigInt64LE();
      case GgufValueType.FLOAT64:
        return this.bytes(8).readDoubleLE();
      case GgufValueType.ARRAY: {
        const inner = this.u32();
        const n = this.count("array length");
        if (n > this.size) throw new CareError(`array of ${n} items in a ${this.size}-byte file`, this.file);
        return Array.from({ length: n }, () => this.value(inner));
      }
      default:
        throw new CareError(`unknown metadata value type ${type} at byte ${this.pos - 4}`, this.file);
    }
  }
}
