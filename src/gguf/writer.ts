import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgmlType } from "./format.js";
import { encodeString, type GgufMetadata } from "./metadata.js";
import { encodeValues, tensorBytes } from "./tensor-type.js";

/** One tensor as the writer will store it; its values are read only when its turn comes. */
export interface GgufTensorPlan {
  name: string;
  /** Row-major shape, outermost first (numpy / safetensors order); GGUF stores it reversed (ggml's ne). */
  shape: readonly number[];
  type: GgmlType;
  read(): Float32Array;
}

/** Elements encoded per write: bounds the encoded copy of a large tensor to a few MiB. */
const CHUNK_ELEMENTS = 1 << 20;

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos, then each tensor's data aligned to 32 bytes.
 * Tensors are read, encoded and written one at a time (a chunk of rows at a time), so memory stays at
 * about one float32 tensor however large the model. The file appears atomically: it is written to a
 * temporary sibling, fsynced and renamed over `file`.
 */
export function writeGguf(
  file: string,
  metadata: GgufMetadata,
  tensors: readonly GgufTensorPlan[],
  onTensor?: (plan: GgufTensorPlan, bytes: number) => void,
): void {
  const align = GGUF_DEFAULT_ALIGNMENT;
  const infos: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    const info = Buffer.alloc(4 + 8 * t.shape.length + 4 + 8);
    let o = info.writeUInt32LE(t.shape.length, 0);
    for (const dim of [...t.shape].reverse()) o = info.writeBigUInt64LE(BigInt(dim), o);
    o = info.writeUInt32LE(t.type, o);
    info.writeBigUInt64LE(BigInt(offset), o);
    infos.push(encodeString(t.name), info);
    offset += padTo(tensorBytes(t.type, count), align);
  }

  const header = Buffer.alloc(4 + 4 + 8 + 8);
  header.write(GGUF_MAGIC, 0, "ascii");
  header.writeUInt32LE(GGUF_VERSION, 4);
  header.writeBigUInt64LE(BigInt(tensors.length), 8);
  header.writeBigUInt64LE(BigInt(metadata.count), 16);

  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, "w");
  let position = 0;
  const write = (buf: Uint8Array) => {
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
    position += buf.length;
  };
  const pad = () => {
    const n = padTo(position, align) - position;
    if (n) write(new Uint8Array(n));
  };
  try {
    write(header);
    write(metadata.bytes());
    for (const b of infos) write(b);
    pad();
    for (const t of tensors) {
      const values = t.read();
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (values.length !== count)
        throw new Error(`tensor "${t.name}": ${values.length} values for shape [${t.shape.join(", ")}]`);
      const row = t.shape[t.shape.length - 1] ?? 1;
      // Whole rows per chunk keep Q8_0 blocks (which never straddle rows) intact.
      const step = Math.max(row, Math.floor(CHUNK_ELEMENTS / row) * row);
      for (let i = 0; i < count; i += step) write(encodeValues(t.type, values.subarray(i, i + step)));
      onTensor?.(t, tensorBytes(t.type, count));
      pad();
    }
    fsyncSync(fd);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, file);
}

function padTo(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
