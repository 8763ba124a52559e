import { createHash } from "node:crypto";
import type { Embedder, TaskHint } from "../core/embedder.js";
import { loadEmbedder } from "../embed/load.js";
import { CareError } from "../core/errors.js";
import { readJsonl } from "../util/jsonl.js";
import { Progress } from "../util/progress.js";
import { emptyHistogram, histogramAdd, type Histogram } from "./histogram.js";
import { fileIdentity, ResumableJsonl, runChunks } from "./resumable.js";
import { VectorLog } from "./vector-log.js";

/**
 * The kept vectors, packed in one growable buffer: the only part of diversity sampling that grows with
 * the data. Rows are L2-normalised, so the inner product is the cosine.
 */
export class KeptSet {
  private data: Float32Array;
  rows = 0;

  constructor(readonly dim: number) {
    this.data = new Float32Array(dim * 1024);
  }

  add(v: Float32Array): void {
    if (v.length !== this.dim)
      throw new Error(`KeptSet: a ${v.length}-wide vector in a ${this.dim}-wide set`);
    if ((this.rows + 1) * this.dim > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(v, this.rows * this.dim);
    this.rows++;
  }

  /** The highest cosine of `v` to any kept row (−Infinity when none is kept). */
  maxCosine(v: Float32Array): number {
    let best = -Infinity;
    const { dim, data } = this;
    for (let r = 0; r < this.rows; r++) {
      const off = r * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += v[j] * data[off + j];
      if (s > best) best = s;
    }
    return best;
  }
}

/**
 * The decision of diversity sampling for one candidate, against the kept set as it stands: kept when its
 * highest cosine to every kept text is below the threshold (it is then added, so later candidates are
 * compared with it too). Returns the cosine, for the histogram.
 */
export function offerCandidate(
  kept: KeptSet,
  v: Float32Array,
  threshold: number,
): { keep: boolean; max: number } {
  const max = kept.maxCosine(v);
  const keep = max < threshold;
  if (keep) kept.add(v);
  return { keep, max };
}

export interface DiverseOptions {
  in: string;
  out: string;
  /** A dense model spec, or an opened embedder. */
  model: string | Embedder;
  /** Examples that seed the kept set unconditionally. */
  seeds: number;
  threshold: number;
  /** The field whose text is compared: a string, or a list whose first element is taken. */
  field?: string;
  /** Encode with the query side (with no instruction) or the document side (default). */
  side?: "query" | "document";
  /** Seeds are the first `seeds` rows, or with a sample seed a hash-random sample of the whole input. */
  sampleSeed?: string;
  chunkSize?: number;
  batchSize?: number;
  progress?: boolean;
}

export interface DiverseCounts {
  rows: number;
  seeds: number;
  kept: number;
  discarded: number;
  /** Highest cosine of each non-seed candidate to the kept set when it was offered. */
  histogram: Histogram;
}

function textOf(value: Record<string, unknown>, field: string, file: string, line: number): string {
  const v = value[field];
  const t = Array.isArray(v) ? v[0] : v;
  if (typeof t !== "string" || t === "")
    throw new CareError(`field "${field}" must be a non-empty string or a list of strings`, file, line);
  return t;
}

/** Ranks a row for hash sampling: the `seeds` rows with the lowest ranks are a uniform sample. */
function sampleRank(seed: string, index: number): number {
  return createHash("sha1").update(`${seed}\u0000${index}`).digest().readUInt32BE(0);
}

/** Row indices (1-based) of the seeds: the first n, or the n lowest hash ranks (one pass, n in memory). */
async function seedRows(file: string, n: number, sampleSeed: string | undefined): Promise<Set<number>> {
  if (sampleSeed === undefined) return new Set(Array.from({ length: n }, (_, i) => i + 1));
  const chosen: { rank: number; index: number }[] = [];
  let index = 0;
  for await (const _ of readJsonl(file)) {
    index++;
    const rank = sampleRank(sampleSeed, index);
    if (chosen.length < n) chosen.push({ rank, index });
    else {
      // n is in the thousands: a linear scan for the worst is cheaper to get right than a heap.
      let worst = 0;
      for (let i = 1; i < chosen.length; i++) if (chosen[i].rank > chosen[worst].rank) worst = i;
      if (rank < chosen[worst].rank) chosen[worst] = { rank, index };
    }
  }
  return new Set(chosen.map((c) => c.index));
}

const HINT: TaskHint = { name: "mine-diverse", type: "sts" };

/**
 * `care mine diverse`: diversity-aware sampling. The seed rows form the kept set; every other row is
 * kept only when its text's highest cosine to the kept set is below `threshold`, and joins the set when
 * kept. Rows stream through in chunks (one encoder call per batch; within a chunk candidates are still
 * decided one after another, so the result equals the one-at-a-time rule); memory is the kept vectors.
 * Kept rows are written unchanged. Resumable: a rerun re-encodes the rows already written to rebuild
 * the kept set, then continues.
 */
export async function mineDiverse(o: DiverseOptions): Promise<DiverseCounts> {
  const field = o.field ?? "query";
  const side = o.side ?? "document";
  const batchSize = Math.max(1, o.batchSize ?? 32);
  const chunkSize = Math.max(1, o.chunkSize ?? 256);
  const initial: DiverseCounts = { rows: 0, seeds: 0, kept: 0, discarded: 0, histogram: emptyHistogram() };
  const out = ResumableJsonl.open(
    o.out,
    {
      kind: "mine-diverse",
      in: fileIdentity(o.in),
      model: typeof o.model === "string" ? o.model : o.model.name,
      seeds: o.seeds,
      threshold: o.threshold,
      field,
      side,
      sample_seed: o.sampleSeed ?? null,
      // Encoder batches follow chunk and batch sizes; the same floats need the same batches.
      chunk_size: chunkSize,
      batch_size: batchSize,
    },
    initial,
  );
  const embedder = typeof o.model === "string" ? await loadEmbedder(o.model) : o.model;
  const encode = async (texts: string[]): Promise<Float32Array[]> => {
    const rows: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const part = texts.slice(i, i + batchSize);
      rows.push(
        ...(side === "query"
          ? await embedder.encodeQueries(part, HINT)
          : await embedder.encodeCorpus(
              part.map((text, j) => ({ id: String(i + j), text })),
              HINT,
            )),
      );
    }
    return rows;
  };
  let sidecar: VectorLog | undefined;
  try {
    const seeds = await seedRows(o.in, o.seeds, o.sampleSeed);
    const kept = new KeptSet(embedder.dim);
    const seedTexts: string[] = [];
    let index = 0;
    for await (const { line, value } of readJsonl(o.in)) {
      index++;
      if (seeds.has(index)) seedTexts.push(textOf(value, field, o.in, line));
    }
    const loadProgress = o.progress ? new Progress("encoding seeds", seedTexts.length, "texts") : undefined;
    for (const v of await encode(seedTexts)) {
      kept.add(v);
      loadProgress?.tick();
    }
    loadProgress?.finish();
    // Vectors kept after the seeds are saved as they are kept: a resumed run reloads the very same
    // floats instead of re-encoding (batch composition can move a cosine by an ulp across the threshold).
    sidecar = new VectorLog(`${o.out}.kept.f32`, embedder.dim, out.counts.kept - out.counts.seeds);
    for (const v of sidecar.vectors()) kept.add(v);
    const log = sidecar;
    const progress = o.progress ? new Progress("diversity sampling", index, "rows") : undefined;
    progress?.tick(out.rowsDone);
    let rowIndex = 0;
    const numbered = (async function* () {
      for await (const r of readJsonl(o.in)) yield { ...r, index: ++rowIndex };
    })();
    await runChunks(
      numbered,
      out,
      chunkSize,
      async (chunk) => {
        const candidates = chunk.filter((r) => !seeds.has(r.index));
        const vecs = await encode(candidates.map((r) => textOf(r.value, field, o.in, r.line)));
        const fresh: Float32Array[] = [];
        let c = 0;
        for (const r of chunk) {
          out.counts.rows++;
          if (seeds.has(r.index)) {
            out.counts.seeds++;
            out.counts.kept++;
            out.write(r.value);
            continue;
          }
          const { keep, max } = offerCandidate(kept, vecs[c++], o.threshold);
          histogramAdd(out.counts.histogram, max);
          if (keep) {
            out.counts.kept++;
            out.write(r.value);
            fresh.push(vecs[c - 1]);
          } else out.counts.discarded++;
        }
        log.append(fresh);
      },
      (n) => progress?.tick(n),
    );
    progress?.finish();
    out.finish();
    sidecar.remove();
    return out.counts;
  } finally {
    out.close();
    sidecar?.close();
    if (typeof o.model === "string") await embedder.close?.();
  }
}
