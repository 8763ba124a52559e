/**
 * A fixed-bin histogram of cosine similarities: 40 bins of width 0.05 over [−1, 1], the last one
 * closed (a cosine of exactly 1, a duplicate, lands in [0.95, 1]). Counts only, so it merges and
 * resumes by addition.
 */
export interface Histogram {
  bin_width: number;
  min: number;
  counts: number[];
}

export const BIN_WIDTH = 0.05;
const BINS = 40;

export function emptyHistogram(): Histogram {
  return { bin_width: BIN_WIDTH, min: -1, counts: new Array<number>(BINS).fill(0) };
}

export function binOf(x: number): number {
  // A candidate offered to an empty kept set has no similarity at all; it counts in the lowest bin.
  if (!Number.isFinite(x)) return 0;
  return Math.max(0, Math.min(BINS - 1, Math.floor((x + 1) / BIN_WIDTH + 1e-9)));
}

export function histogramAdd(h: Histogram, x: number): void {
  h.counts[binOf(x)]++;
}

/** Bins as labelled ranges, e.g. "0.85–0.90", with their counts, from the first to the last non-empty bin. */
export function histogramRows(h: Histogram): { from: number; to: number; count: number }[] {
  const first = h.counts.findIndex((c) => c > 0);
  if (first < 0) return [];
  let last = h.counts.length - 1;
  while (h.counts[last] === 0) last--;
  const rows = [];
  for (let i = first; i <= last; i++) {
    const from = Math.round((h.min + i * h.bin_width) * 100) / 100;
    rows.push({ from, to: Math.round((from + h.bin_width) * 100) / 100, count: h.counts[i] });
  }
  return rows;
}
