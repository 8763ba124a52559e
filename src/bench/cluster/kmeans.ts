import { Prng } from "./prng.js";

export interface MiniBatchKMeansOptions {
  seed: number;
  /** MTEB passes 500 to scikit-learn. */
  batchSize?: number;
  maxIter?: number;
  maxNoImprovement?: number;
  reassignmentRatio?: number;
}

export interface KMeansResult {
  labels: Int32Array;
  centers: Float64Array[];
  /** Sum of squared distances of every point to its centre. */
  inertia: number;
}

/**
 * A point as the inner loops read it: its non-zero coordinates when it is sparse (TF-IDF rows over a
 * whole vocabulary are mostly zeros), or all of them when it is dense (embeddings).
 */
interface Point {
  index: Int32Array | null;
  value: Float32Array;
  norm: number;
}

/**
 * Mini-batch k-means following scikit-learn's MiniBatchKMeans (the estimator MTEB clusters with):
 * greedy k-means++ on a sample of 3 × batch points, then steps over random batches drawn with
 * replacement where each centre moves by a per-centre learning rate 1/count, centres starved of points
 * are reseeded from the batch, and it stops when the smoothed batch inertia has not improved for
 * `maxNoImprovement` steps or after `maxIter` passes over the data. Labels are a final full assignment.
 */
export function miniBatchKMeans(
  vectors: readonly Float32Array[],
  k: number,
  options: MiniBatchKMeansOptions,
): KMeansResult {
  const n = vectors.length;
  if (k < 1 || k > n) throw new Error(`k-means: k = ${k} needs 1 ≤ k ≤ ${n} points`);
  const dim = vectors[0].length;
  const points = toPoints(vectors);
  const rng = new Prng(options.seed);
  const batchSize = Math.min(options.batchSize ?? 500, n);
  const maxIter = options.maxIter ?? 100;
  const maxNoImprovement = options.maxNoImprovement ?? 10;
  const reassignmentRatio = options.reassignmentRatio ?? 0.01;

  let initSize = 3 * batchSize;
  if (initSize < k) initSize = 3 * k;
  initSize = Math.min(initSize, n);
  const sample = Array.from({ length: initSize }, () => points[rng.int(n)]);
  const centers = kMeansPlusPlus(sample, k, dim, rng);

  const counts = new Float64Array(k);
  const nSteps = Math.floor((maxIter * n) / batchSize);
  let sinceReassign = 0;
  let ewa: number | undefined;
  let ewaMin: number | undefined;
  let noImprovement = 0;
  const batchLabels = new Int32Array(batchSize);
  for (let step = 0; step < nSteps; step++) {
    const batch = Array.from({ length: batchSize }, () => points[rng.int(n)]);
    const centerNorms = centers.map(squaredNorm);
    let inertia = 0;
    for (let b = 0; b < batchSize; b++) {
      const [label, d] = nearest(batch[b], centers, centerNorms);
      batchLabels[b] = label;
      inertia += d;
    }
    updateCenters(batch, batchLabels, centers, counts);
    sinceReassign += batchSize;
    if (counts.some((c) => c === 0) || sinceReassign >= 10 * k) {
      sinceReassign = 0;
      reassignStarved(batch, centers, counts, reassignmentRatio, rng);
    }
    // Convergence on an exponentially weighted average of the per-point batch inertia (the first step
    // is ignored, its centres being the initial ones).
    if (step === 0) continue;
    const batchInertia = inertia / batchSize;
    const alpha = Math.min((batchSize * 2) / (n + 1), 1);
    ewa = ewa === undefined ? batchInertia : ewa * (1 - alpha) + batchInertia * alpha;
    if (ewaMin === undefined || ewa < ewaMin) {
      noImprovement = 0;
      ewaMin = ewa;
    } else if (++noImprovement >= maxNoImprovement) break;
  }

  const centerNorms = centers.map(squaredNorm);
  const labels = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const [label, d] = nearest(points[i], centers, centerNorms);
    labels[i] = label;
    inertia += d;
  }
  return { labels, centers, inertia };
}

/** Rows with fewer than a quarter of their coordinates non-zero are kept sparse. */
function toPoints(vectors: readonly Float32Array[]): Point[] {
  let nonZero = 0;
  for (const v of vectors) for (let j = 0; j < v.length; j++) if (v[j] !== 0) nonZero++;
  const sparse = nonZero < 0.25 * vectors.length * vectors[0].length;
  return vectors.map((v) => {
    if (v.length !== vectors[0].length)
      throw new Error(`k-means: rows of ${v.length} and ${vectors[0].length} dims`);
    if (!sparse) return { index: null, value: v, norm: squaredNorm(v) };
    const index: number[] = [];
    for (let j = 0; j < v.length; j++) if (v[j] !== 0) index.push(j);
    const value = Float32Array.from(index, (j) => v[j]);
    return { index: Int32Array.from(index), value, norm: squaredNorm(value) };
  });
}

function dense(p: Point, dim: number): Float64Array {
  if (!p.index) return Float64Array.from(p.value);
  const out = new Float64Array(dim);
  for (let t = 0; t < p.index.length; t++) out[p.index[t]] = p.value[t];
  return out;
}

function dot(p: Point, c: Float64Array): number {
  let s = 0;
  const { index, value } = p;
  if (index) for (let t = 0; t < index.length; t++) s += value[t] * c[index[t]];
  else for (let j = 0; j < value.length; j++) s += value[j] * c[j];
  return s;
}

/** Greedy k-means++ as scikit-learn runs it: 2 + ⌊ln k⌋ candidates per centre, keep the best. */
function kMeansPlusPlus(sample: Point[], k: number, dim: number, rng: Prng): Float64Array[] {
  const m = sample.length;
  const trials = 2 + Math.floor(Math.log(k));
  const first = dense(sample[rng.int(m)], dim);
  const centers: Float64Array[] = [first];
  const firstNorm = squaredNorm(first);
  let closest = sample.map((p) => sqDist(p, first, firstNorm));
  let potential = closest.reduce((a, b) => a + b, 0);
  for (let c = 1; c < k; c++) {
    const cumulative = new Float64Array(m);
    let acc = 0;
    for (let i = 0; i < m; i++) cumulative[i] = acc += closest[i];
    let best: { center: Float64Array; dists: number[]; pot: number } | undefined;
    for (let t = 0; t < trials; t++) {
      const id = Math.min(lowerBound(cumulative, rng.next() * potential), m - 1);
      const center = dense(sample[id], dim);
      const dists = sample.map((p, i) => Math.min(closest[i], sqDist(p, center, sample[id].norm)));
      const pot = dists.reduce((a, b) => a + b, 0);
      if (!best || pot < best.pot) best = { center, dists, pot };
    }
    centers.push(best!.center);
    closest = best!.dists;
    potential = best!.pot;
  }
  return centers;
}

/** Each centre with points in the batch becomes the count-weighted mean of its old self and them. */
function updateCenters(
  batch: Point[],
  labels: Int32Array,
  centers: Float64Array[],
  counts: Float64Array,
): void {
  const members: Point[][] = centers.map(() => []);
  batch.forEach((p, b) => members[labels[b]].push(p));
  members.forEach((list, c) => {
    if (list.length === 0) return;
    const center = centers[c];
    const total = counts[c] + list.length;
    const keep = counts[c] / total;
    for (let j = 0; j < center.length; j++) center[j] *= keep;
    for (const { index, value } of list) {
      if (index) for (let t = 0; t < index.length; t++) center[index[t]] += value[t] / total;
      else for (let j = 0; j < value.length; j++) center[j] += value[j] / total;
    }
    counts[c] = total;
  });
}

/** Centres that won far fewer points than the busiest one restart at random points of the batch. */
function reassignStarved(
  batch: Point[],
  centers: Float64Array[],
  counts: Float64Array,
  ratio: number,
  rng: Prng,
): void {
  if (ratio <= 0) return;
  const max = Math.max(...counts);
  let starved = [...counts.keys()].filter((c) => counts[c] < ratio * max);
  if (starved.length === 0) return;
  const limit = Math.floor(0.5 * batch.length);
  if (starved.length > limit) starved = starved.sort((a, b) => counts[a] - counts[b]).slice(0, limit);
  const floor = Math.min(...[...counts.keys()].filter((c) => !starved.includes(c)).map((c) => counts[c]));
  const picks = rng.sample(batch.length, starved.length);
  starved.forEach((c, i) => {
    centers[c] = dense(batch[picks[i]], centers[c].length);
    counts[c] = floor;
  });
}

function nearest(p: Point, centers: Float64Array[], centerNorms: number[]): [number, number] {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centers.length; c++) {
    const d = p.norm - 2 * dot(p, centers[c]) + centerNorms[c];
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return [best, Math.max(bestD, 0)];
}

function sqDist(p: Point, c: Float64Array, centerNorm: number): number {
  return Math.max(p.norm - 2 * dot(p, c) + centerNorm, 0);
}

function squaredNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

/** First index whose cumulative sum reaches `x` (numpy's searchsorted, side "left"). */
function lowerBound(cumulative: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
