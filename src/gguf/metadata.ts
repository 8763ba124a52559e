import { GgufValueType } from "./format.js";

/**
 * GGUF key-value metadata, encoded as it is added (little-endian, strings as u64 length + UTF-8).
 * Keys keep insertion order, which llama.cpp does not need but makes files diffable.
 */
export class GgufMetadata {
  private readonly parts: Buffer[] = [];
  private readonly keys = new Set<string>();

  get count(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  u32(key: string, value: number): this {
    return this.add(key, GgufValueType.UINT32, scalar(GgufValueType.UINT32, value));
  }
  i32(key: string, value: number): this {
    return this.add(key, GgufValueType.INT32, scalar(GgufValueType.INT32, value));
  }
  f32(key: string, value: number): this {
    return this.add(key, GgufValueType.FLOAT32, scalar(GgufValueType.FLOAT32, value));
  }
  bool(key: string, value: boolean): this {
    return this.add(key, GgufValueType.BOOL, scalar(GgufValueType.BOOL, value ? 1 : 0));
  }
  string(key: string, value: string): this {
    return this.add(key, GgufValueType.STRING, encodeString(value));
  }
  strings(key: string, values: readonly string[]): this {
    return this.add(key, GgufValueType.ARRAY, arrayOf(GgufValueType.STRING, values.map(encodeString)));
  }
  i32s(key: string, values: readonly number[]): this {
    return this.add(
      key,
      GgufValueType.ARRAY,
      arrayOf(
        GgufValueType.INT32,
        values.map((v) => scalar(GgufValueType.INT32, v)),
      ),
    );
  }

  /** The encoded key-value section. */
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }

  private add(key: string, type: GgufValueType, value: Buffer): this {
    if (this.keys.has(key)) throw new Error(`GGUF metadata key "${key}" set twice`);
    this.keys.add(key);
    this.parts.push(encodeString(key), u32(type), value);
    return this;
  }
}

export function encodeString(s: string): Buffer {
  const body = Buffer.from(s, "utf8");
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(body.length));
  return Buffer.concat([head, body]);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

function scalar(type: GgufValueType, v: number): Buffer {
  switch (type) {
    case GgufValueType.UINT32:
      return u32(v);
    case GgufValueType.INT32: {
      const b = Buffer.alloc(4);
      b.writeInt32LE(v);
      return b;
    }
    case GgufValueType.FLOAT32: {
      const b = Buffer.alloc(4);
      b.writeFloatLE(v);
      return b;
    }
    case GgufValueType.BOOL:
      return Buffer.from([v]);
    default:
      throw new Error(`unsupported scalar GGUF type ${type}`);
  }
}

function arrayOf(type: GgufValueType, items: Buffer[]): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(type, 0);
  head.writeBigUInt64LE(BigInt(items.length), 4);
  return Buffer.concat([head, ...items]);
}
