import { fleissKappaFromRatings } from "./agreement.js";
import type { ReviewItem } from "./review-sample.js";

export interface ExpertAgreement {
  reviewers: string[];
  /** Expert score at or above which a pair counts as relevant (the pipeline's positive threshold). */
  positive_min: number;
  /** Sample items at least one expert labelled. */
  items: number;
  /** (item, expert) comparisons and the share where the expert's verdict matches the pipeline's. */
  comparisons: number;
  agreement: number | null;
  per_reviewer: { reviewer: string; items: number; agreement: number | null }[];
  /** Fleiss' kappa over the pipeline and every expert as raters (relevant / not relevant), on items every expert labelled. */
  fleiss: { kappa: number | null; items: number; raters: number };
}

/**
 * Pipeline-vs-expert agreement, as the paper reports it (93.3%, κ 0.731): each expert's 5-point label is
 * read as relevant (≥ positiveMin) or not, and compared with the pipeline's positive/negative decision.
 */
export function pipelineExpertAgreement(
  sample: readonly ReviewItem[],
  labels: ReadonlyMap<string, ReadonlyMap<string, number>>,
  positiveMin = 4,
): ExpertAgreement {
  const reviewers = [...labels.keys()].sort();
  const rel = (s: number) => (s >= positiveMin ? 1 : 0);
  const pipe = (it: ReviewItem) => (it.pipeline === "positive" ? 1 : 0);
  let comparisons = 0;
  let agreeing = 0;
  const per_reviewer = reviewers.map((r) => {
    const mine = labels.get(r)!;
    let n = 0;
    let ok = 0;
    for (const it of sample) {
      const s = mine.get(it.pair_id);
      if (s === undefined) continue;
      n++;
      if (rel(s) === pipe(it)) ok++;
    }
    comparisons += n;
    agreeing += ok;
    return { reviewer: r, items: n, agreement: n ? ok / n : null };
  });
  const labelledBySome = sample.filter((it) => reviewers.some((r) => labels.get(r)!.has(it.pair_id)));
  const byAll = sample.filter(
    (it) => reviewers.length > 0 && reviewers.every((r) => labels.get(r)!.has(it.pair_id)),
  );
  const ratings = byAll.map((it) => [
    pipe(it),
    ...reviewers.map((r) => rel(labels.get(r)!.get(it.pair_id)!)),
  ]);
  const kappa = byAll.length ? fleissKappaFromRatings(ratings, [0, 1]) : NaN;
  return {
    reviewers,
    positive_min: positiveMin,
    items: labelledBySome.length,
    comparisons,
    agreement: comparisons ? agreeing / comparisons : null,
    per_reviewer,
    fleiss: {
      kappa: Number.isFinite(kappa) ? kappa : null,
      items: byAll.length,
      raters: reviewers.length + 1,
    },
  };
}
