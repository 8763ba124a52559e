import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import usearch from "usearch";
import { CareError } from "../core/errors.js";
import type { IndexManifest } from "./manifest.js";

const { Index, MetricKind, ScalarKind } = usearch;

export const ANN_FILE = "hnsw.usearch";

const SCALARS = { f32: ScalarKind.F32, f16: ScalarKind.F16, i8: ScalarKind.I8 } as const;

/** Keys and cosine similarities of the nearest stored vectors, best first. */
export interface AnnMatches {
  keys: number[];
  scores: number[];
}

/**
 * The usearch HNSW graph over the document vectors, keyed by document-store row. Cosine metric: rows
 * are normalised, so it ranks like the inner product, and unlike usearch's inner product it stays a
 * similarity in [-1, 1] when the graph stores int8.
 */
export class AnnGraph {
  private constructor(
    private readonly index: InstanceType<typeof Index>,
    readonly file: string,
  ) {}

  private static make(m: Pick<IndexManifest, "dim" | "quantization" | "hnsw">): InstanceType<typeof Index> {
    return new Index({
      dimensions: m.dim,
      metric: MetricKind.Cos,
      quantization: SCALARS[m.quantization],
      connectivity: m.hnsw.connectivity,
      expansion_add: m.hnsw.expansionAdd,
      expansion_search: m.hnsw.expansionSearch,
      multi: false,
    });
  }

  /** For building: the saved graph loaded into memory (growable), or an empty one. */
  static forWriting(dir: string, m: Pick<IndexManifest, "dim" | "quantization" | "hnsw">): AnnGraph {
    const file = join(dir, ANN_FILE);
    const index = AnnGraph.make(m);
    if (existsSync(file)) index.load(file);
    return new AnnGraph(index, file);
  }

  /**
   * For serving: the saved graph memory-mapped, not read, so a large index opens in constant time and
   * replicas on one host share its pages. `expansionSearch` overrides the build-time search width.
   */
  static view(dir: string, m: Pick<IndexManifest, "dim" | "quantization" | "hnsw">): AnnGraph {
    const file = join(dir, ANN_FILE);
    if (!existsSync(file)) throw new CareError("ANN graph file is missing; rerun care index", file);
    const index = AnnGraph.make(m);
    try {
      index.view(file);
    } catch (e) {
      throw new CareError(`cannot map ANN graph: ${(e as Error).message}`, file);
    }
    return new AnnGraph(index, file);
  }

  get size(): number {
    return this.index.size();
  }

  contains(key: number): boolean {
    return this.index.contains(BigInt(key)) as boolean;
  }

  /**
   * The highest stored key the graph holds. Keys enter the graph in increasing order, so the stored
   * keys above it are exactly those added since its last save: walked down from the top, not scanned.
   */
  highestStored(keysBelow: (before: number, limit: number) => number[]): number {
    for (let before = Number.MAX_SAFE_INTEGER; ;) {
      const keys = keysBelow(before, 4096);
      if (keys.length === 0) return 0;
      for (const k of keys) if (this.contains(k)) return k;
      before = keys[keys.length - 1];
    }
  }

  add(keys: BigUint64Array, data: Float32Array): void {
    if (keys.length > 0) this.index.add(keys, data, 0);
  }

  search(query: Float32Array, k: number): AnnMatches {
    const n = Math.min(k, this.size);
    if (n <= 0) return { keys: [], scores: [] };
    const m = this.index.search(query, n, 1);
    const keys: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < m.keys.length; i++) {
      keys.push(Number(m.keys[i]));
      scores.push(1 - m.distances[i]);
    }
    return { keys, scores };
  }

  /** Saves beside the target and renames over it, so a kill mid-save leaves the previous graph intact. */
  save(): void {
    const tmp = `${this.file}.tmp-${process.pid}`;
    try {
      this.index.save(tmp);
      renameSync(tmp, this.file);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
}
