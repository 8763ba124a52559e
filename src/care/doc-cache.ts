/**
 * Stage I's frozen document embeddings, computed once and kept on disk. A cache folder belongs to one
 * document encoder (its folder name is a hash of the encoder's identity, so retrained weights never
 * read stale vectors) and holds `vectors.bin`: fixed-size records [16-byte SHA-256 prefix of the text,
 * dim float32], appended a batch at a time. A kill mid-append leaves at most a torn last record, which
 * the next open cuts off, so an interrupted encoding resumes where it stopped.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Embedder } from "../core/embedder.js";
import { encoderIdentity, identityKey, type Identity } from "../embed/identity.js";
import { writeFileAtomic } from "../util/atomic.js";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";

const HASH_BYTES = 16;
const META_FILE = "cache.json";
const VECTORS_FILE = "vectors.bin";

export function textKey(text: string): string {
  return createHash("sha256")
    .update(text, "utf8")
    .digest("hex")
    .slice(0, HASH_BYTES * 2);
}

export class DocEmbeddingCache {
  private readonly rows = new Map<string, Float32Array>();

  private constructor(
    readonly dir: string,
    readonly dim: number,
    private readonly fd: number,
  ) {}

  /** Opens (or creates) the cache of the encoder with `identity` under `root`. */
  static open(root: string, identity: Identity, dim: number): DocEmbeddingCache {
    const key = identityKey(identity).slice(0, 20);
    const dir = join(root, key);
    mkdirSync(dir, { recursive: true });
    const meta = join(dir, META_FILE);
    if (existsSync(meta)) {
      let saved: { dim?: unknown };
      try {
        saved = JSON.parse(readFileSync(meta, "utf8")) as { dim?: unknown };
      } catch (e) {
        throw new CareError(`corrupt cache description: ${(e as Error).message}`, meta);
      }
      if (saved.dim !== dim)
        throw new CareError(`cache holds ${String(saved.dim)}-wide vectors, the encoder gives ${dim}`, meta);
    } else writeFileAtomic(meta, JSON.stringify({ version: 1, dim, identity }, null, 2) + "\n");
    const file = join(dir, VECTORS_FILE);
    const fd = openSync(file, existsSync(file) ? "r+" : "w+");
    const cache = new DocEmbeddingCache(dir, dim, fd);
    cache.load();
    return cache;
  }

  private get recordBytes(): number {
    return HASH_BYTES + 4 * this.dim;
  }

  private load(): void {
    const size = fstatSync(this.fd).size;
    const whole = size - (size % this.recordBytes);
    if (whole !== size) ftruncateSync(this.fd, whole);
    if (whole === 0) return;
    const buf = readFileSync(join(this.dir, VECTORS_FILE)).subarray(0, whole);
    for (let off = 0; off < whole; off += this.recordBytes) {
      const key = buf.subarray(off, off + HASH_BYTES).toString("hex");
      const vec = new Float32Array(this.dim);
      Buffer.from(vec.buffer).set(buf.subarray(off + HASH_BYTES, off + this.recordBytes));
      this.rows.set(key, vec);
    }
  }

  get size(): number {
    return this.rows.size;
  }

  get(text: string): Float32Array | undefined {
    return this.rows.get(textKey(text));
  }

  /** Appends one batch durably (one write, one fsync). */
  append(texts: readonly string[], vectors: readonly Float32Array[]): void {
    const rec = this.recordBytes;
    const buf = Buffer.alloc(texts.length * rec);
    texts.forEach((t, i) => {
      const v = vectors[i];
      if (v.length !== this.dim) throw new Error(`vector of ${v.length} dims for a ${this.dim}-wide cache`);
      const key = textKey(t);
      buf.write(key, i * rec, "hex");
      buf.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), i * rec + HASH_BYTES);
      this.rows.set(key, Float32Array.from(v));
    });
    const at = fstatSync(this.fd).size;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, at + off);
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export interface EmbedDocumentsOptions {
  /** Texts per encoder call (default 64). */
  batchSize?: number;
}

export interface EmbeddedDocuments {
  vectors: Float32Array[];
  /** Texts found in the cache, and texts encoded by this call. */
  cached: number;
  encoded: number;
  cacheDir: string;
}

/**
 * Document embeddings of `texts` (normalised rows at the encoder's width), from the cache where present
 * and encoded in batches otherwise, each batch appended to the cache as soon as it is done.
 */
export async function embedDocuments(
  embedder: Embedder,
  texts: readonly string[],
  cacheRoot: string,
  o: EmbedDocumentsOptions = {},
): Promise<EmbeddedDocuments> {
  const cache = DocEmbeddingCache.open(cacheRoot, encoderIdentity(embedder, "document"), embedder.dim);
  try {
    const absent = texts.filter((t) => !cache.get(t));
    const missing = [...new Set(absent)];
    const cached = texts.length - absent.length;
    const batch = o.batchSize ?? 64;
    const progress = new Progress("document embeddings", missing.length, "texts");
    for (let i = 0; i < missing.length; i += batch) {
      const part = missing.slice(i, i + batch);
      const rows = await embedder.encodeCorpus(part.map((text, j) => ({ id: String(i + j), text })));
      cache.append(part, rows);
      progress.tick(part.length);
    }
    if (missing.length) progress.finish();
    return { vectors: texts.map((t) => cache.get(t)!), cached, encoded: missing.length, cacheDir: cache.dir };
  } finally {
    cache.close();
  }
}
