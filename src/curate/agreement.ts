/**
 * Inter-rater agreement: Fleiss' kappa (many raters, nominal categories) and Cohen's kappa for two
 * raters, unweighted or quadratic-weighted (ordinal categories, as the 5-point relevance scale is).
 * Pure functions; a value that is undefined (every rating in one category) comes back as NaN.
 */

export type KappaWeights = "unweighted" | "quadratic";

/**
 * Fleiss' kappa from a count table: `counts[i][c]` is how many raters put item i in category c.
 * Every item must have the same number of raters (Fleiss 1971).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number {
  if (counts.length === 0) return NaN;
  const k = counts[0].length;
  const n = counts[0].reduce((s, x) => s + x, 0);
  if (n < 2) throw new RangeError("Fleiss' kappa needs at least two raters per item");
  const categoryTotals = new Array<number>(k).fill(0);
  let sumPi = 0;
  for (const row of counts) {
    if (row.length !== k) throw new RangeError("every item needs a count for every category");
    let rowTotal = 0;
    let agreeing = 0;
    for (let c = 0; c < k; c++) {
      rowTotal += row[c];
      agreeing += row[c] * (row[c] - 1);
      categoryTotals[c] += row[c];
    }
    if (rowTotal !== n) throw new RangeError(`every item needs ${n} ratings; one has ${rowTotal}`);
    sumPi += agreeing / (n * (n - 1));
  }
  const N = counts.length;
  const pBar = sumPi / N;
  let pe = 0;
  for (const t of categoryTotals) pe += (t / (N * n)) ** 2;
  return (pBar - pe) / (1 - pe);
}

/**
 * Fleiss' kappa from raw ratings: `ratings[i]` holds every rater's category for item i.
 * `categories` fixes the category set, so a category nobody used still counts as possible.
 */
export function fleissKappaFromRatings(
  ratings: readonly (readonly number[])[],
  categories: readonly number[],
): number {
  const index = categoryIndex(categories);
  return fleissKappa(
    ratings.map((r) => {
      const row = new Array<number>(categories.length).fill(0);
      for (const v of r) row[lookup(index, v)]++;
      return row;
    }),
  );
}

/** Contingency table of two raters: `m[i][j]` = items rater A put in category i and rater B in j. */
export function confusionMatrix(
  a: readonly number[],
  b: readonly number[],
  categories: readonly number[],
): number[][] {
  if (a.length !== b.length) throw new RangeError("both raters must rate the same items");
  const index = categoryIndex(categories);
  const m = categories.map(() => new Array<number>(categories.length).fill(0));
  for (let i = 0; i < a.length; i++) m[lookup(index, a[i])][lookup(index, b[i])]++;
  return m;
}

/**
 * Cohen's kappa of two raters over the same items. Weighted form: 1 − Σ w·O / Σ w·E, with disagreement
 * weights w_ij = 1 (i ≠ j) unweighted — which reduces to (p_o − p_e)/(1 − p_e) — or (i − j)² / (k − 1)²
 * quadratic, where i, j are positions in the ordered `categories`.
 */
export function cohenKappa(
  a: readonly number[],
  b: readonly number[],
  categories: readonly number[],
  weights: KappaWeights = "unweighted",
): number {
  const m = confusionMatrix(a, b, categories);
  const k = categories.length;
  const n = a.length;
  if (n === 0) return NaN;
  const rows = m.map((r) => r.reduce((s, x) => s + x, 0));
  const cols = categories.map((_, j) => m.reduce((s, r) => s + r[j], 0));
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = weights === "quadratic" ? (i - j) ** 2 / (k - 1) ** 2 : i === j ? 0 : 1;
      observed += (w * m[i][j]) / n;
      expected += (w * rows[i] * cols[j]) / (n * n);
    }
  }
  return 1 - observed / expected;
}

function categoryIndex(categories: readonly number[]): Map<number, number> {
  return new Map(categories.map((c, i) => [c, i]));
}

function lookup(index: Map<number, number>, v: number): number {
  const i = index.get(v);
  if (i === undefined) throw new RangeError(`rating ${v} is not one of the categories`);
  return i;
}
