import { docText, type Doc } from "../../src/core/doc.js";
import { normalize } from "../../src/util/vector.js";
import { type Embedder } from "../../src/core/embedder.js";
import { rng } from "../../src/util/rng.js";

/**
 * TEST FIXTURE, not a model: hashes character unigrams and bigrams into signed buckets, so texts that
 * share characters get similar vectors. Deterministic and instant; stands in for a real encoder where a
 * test is about the store or the server rather than the model.
 */
export class FixtureHashEmbedder implements Embedder {
  readonly name: string;
  constructor(
    readonly dim = 32,
    private readonly delayMs = 0,
    private readonly seed = 0,
  ) {
    this.name = `fixture-hash-${dim}-${seed}`;
  }

  embed(text: string): Float32Array {
    const v = new Float32Array(this.dim);
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
      for (const gram of [chars[i], chars[i] + (chars[i + 1] ?? "")]) {
        const h = fnv1a(gram, this.seed);
        v[h % this.dim] += h & 0x80000000 ? -1 : 1;
      }
    }
    return normalize(v);
  }

  async encodeQueries(texts: string[]): Promise<Float32Array[]> {
    await sleep(this.delayMs);
    return texts.map((t) => this.embed(t));
  }

  async encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    await sleep(this.delayMs);
    return docs.map((d) => this.embed(docText(d)));
  }

  describe(): { query: Record<string, unknown>; document: Record<string, unknown> } {
    const side = { fixture: "hash", dim: this.dim, seed: this.seed };
    return { query: side, document: side };
  }
}

/** TEST FIXTURE: returns a prepared vector per document id (random-vector recall tests). */
export class FixtureTableEmbedder implements Embedder {
  readonly name = "fixture-table";
  constructor(
    readonly dim: number,
    private readonly table: Map<string, Float32Array>,
  ) {}

  async encodeQueries(): Promise<Float32Array[]> {
    throw new Error("FixtureTableEmbedder encodes documents only");
  }

  async encodeCorpus(docs: Doc[]): Promise<Float32Array[]> {
    return docs.map((d) => this.table.get(d.id)!);
  }
}

function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/**
 * Random unit vectors with `latent` intrinsic dimensions spread over `dim` (plus a little isotropic
 * noise), like sentence embeddings. Isotropic random vectors in hundreds of dimensions have no near
 * neighbours at all, a case where no ANN graph (nor any real embedding) lives.
 */
export function latentVectors(
  n: number,
  dim: number,
  latent: number,
  basisSeed: number,
  sampleSeed: number,
): Float32Array[] {
  const gauss = (r: () => number) => () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const basisGauss = gauss(rng(basisSeed));
  const basis = Array.from({ length: latent }, () => Float32Array.from({ length: dim }, basisGauss));
  const r = rng(sampleSeed);
  const z = gauss(r);
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: dim }, () => 0.1 * z());
    for (const b of basis) {
      const c = z();
      for (let j = 0; j < dim; j++) v[j] += c * b[j];
    }
    return normalize(v);
  });
}
