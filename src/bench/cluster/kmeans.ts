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
 * Mini-batch k-means following scikit-learn's MiniBatchKMeans (the estimator MTEB clusters with):
 * greedy k-means++ on a sample of 3 × batch points, then steps over random batches drawn with
 * replacement where each centre moves by a per-centre learning rate 1/count, centres starved of points
 * are reseeded from the batch, and it stops when the smoothed batch inertia has not improved for
 * `maxNoImprovement` steps or after `maxIter` passes over the data. Labels are a final full assignment.
 */
export function miniBatchKMeans(
  points: readonly Float32Array[],
  k: number,
  options: MiniBatchKMeansOptions,
): KMeansResult {
  const n = points.length;
  if (k < 1 || k > n) throw new Error(`k-means: k = ${k} needs 1 ≤ k ≤ ${n} points`);
  const rng = new Prng(options.seed);
  const batchSize = Math.min(options.batchSize ?? 500, n);
  const maxIter = options.maxIter ?? 100;
  const maxNoImprovement = options.maxNoImprovement ?? 10;
  const reassignmentRatio = options.reassignmentRatio ?? 0.01;
  const norms = points.map((p) => dot(p, p));

  let initSize = 3 * batchSize;
  if (initSize < k) initSize = 3 * k;
  initSize = Math.min(initSize, n);
  const initSample = Array.from({ length: initSize }, () => rng.int(n));
  const centers = kMeansPlusPlus(
    initSample.map((i) => points[i]),
    initSample.map((i) => norms[i]),
    k,
    rng,
  );

  const counts = new Float64Array(k);
  const nSteps = Math.floor((maxIter * n) / batchSize);
  let sinceReassign = 0;
  let ewa: number | undefined;
  let ewaMin: number | undefined;
  let noImprovement = 0;
  const batchLabels = new Int32Array(batchSize);
  for (let step = 0; step < nSteps; step++) {
    const batch = Array.from({ length: batchSize }, () => rng.int(n));
    const centerNorms = centers.map((c) => dot(c, c));
    let inertia = 0;
    for (let b = 0; b < batchSize; b++) {
      const [label, d] = nearest(points[batch[b]], norms[batch[b]], centers, centerNorms);
      batchLabels[b] = label;
      inertia += d;
    }
    updateCenters(points, batch, batchLabels, centers, counts);
    sinceReassign += batchSize;
    if (counts.some((c) => c === 0) || sinceReassign >= 10 * k) {
      sinceReassign = 0;
      reassignStarved(points, batch, centers, counts, reassignmentRatio, rng);
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

  const centerNorms = centers.map((c) => dot(c, c));
  const labels = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const [label, d] = nearest(points[i], norms[i], centers, centerNorms);
    labels[i] = label;
    inertia += d;
  }
  return { labels, centers, inertia };
}

/** Greedy k-means++ as scikit-learn runs it: 2 + ⌊ln k⌋ candidates per centre, keep the best. */
function kMeansPlusPlus(sample: Float32Array[], norms: number[], k: number, rng: Prng): Float64Array[] {
  const m = sample.length;
  const trials = 2 + Math.floor(Math.log(k));
  const centers: Float64Array[] = [Float64Array.from(sample[rng.int(m)])];
  let closest = sample.map((p, i) => sqDist(p, norms[i], centers[0], dot(centers[0], centers[0])));
  let potential = closest.reduce((a, b) => a + b, 0);
  for (let c = 1; c < k; c++) {
    const cumulative = new Float64Array(m);
    let acc = 0;
    for (let i = 0; i < m; i++) cumulative[i] = acc += closest[i];
    let best: { id: number; dists: number[]; pot: number } | undefined;
    for (let t = 0; t < trials; t++) {
      const id = Math.min(lowerBound(cumulative, rng.next() * potential), m - 1);
      const cand = Float64Array.from(sample[id]);
      const dists = sample.map((p, i) => Math.min(closest[i], sqDist(p, norms[i], cand, norms[id])));
      const pot = dists.reduce((a, b) => a + b, 0);
      if (!best || pot < best.pot) best = { id, dists, pot };
    }
    centers.push(Float64Array.from(sample[best!.id]));
    closest = best!.dists;
    potential = best!.pot;
  }
  return centers;
}

function updateCenters(
  points: readonly Float32Array[],
  batch: number[],
  labels: Int32Array,
  centers: Float64Array[],
  counts: Float64Array,
): void {
  const k = centers.length;
  const sums = centers.map((c) => new Float64Array(c.length));
  const batchCounts = new Float64Array(k);
  for (let b = 0; b < batch.length; b++) {
    const p = points[batch[b]];
    const s = sums[labels[b]];
    for (let j = 0; j < p.length; j++) s[j] += p[j];
    batchCounts[labels[b]]++;
  }
  for (let c = 0; c < k; c++) {
    if (batchCounts[c] === 0) continue;
    const center = centers[c];
    const total = counts[c] + batchCounts[c];
    for (let j = 0; j < center.length; j++) center[j] = (center[j] * counts[c] + sums[c][j]) / total;
    counts[c] = total;
  }
}

/** Centres that won far fewer points than the busiest one restart at random points of the batch. */
function reassignStarved(
  points: readonly Float32Array[],
  batch: number[],
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
  const kept = [...counts.keys()].filter((c) => !starved.includes(c)).map((c) => counts[c]);
  const floor = Math.min(...kept);
  const picks = rng.sample(batch.length, starved.length);
  starved.forEach((c, i) => {
    centers[c] = Float64Array.from(points[batch[picks[i]]]);
    counts[c] = floor;
  });
}

function nearest(
  p: Float32Array,
  norm: number,
  centers: Float64Array[],
  centerNorms: number[],
): [number, number] {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centers.length; c++) {
    const d = norm - 2 * dot(p, centers[c]) + centerNorms[c];
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return [best, Math.max(bestD, 0)];
}

function sqDist(p: Float32Array, norm: number, c: Float64Array, centerNorm: number): number {
  return Math.max(norm - 2 * dot(p, c) + centerNorm, 0);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
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
