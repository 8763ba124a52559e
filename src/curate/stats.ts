import { DEFAULT_THRESHOLDS, type Thresholds, type VotedPair } from "./aggregate.js";
import { cohenKappa, fleissKappaFromRatings } from "./agreement.js";
import { byTask } from "./votes.js";

export const SCALE = [1, 2, 3, 4, 5] as const;

/** A distribution of per-query counts. `counts` maps a value to how many queries have it. */
export interface Distribution {
  n: number;
  mean: number;
  median: number;
  p90: number;
  max: number;
  counts: Record<string, number>;
}

export interface PairwiseKappa {
  a: string;
  b: string;
  /** Pairs both judges scored. */
  items: number;
  kappa: number | null;
  kappa_quadratic: number | null;
}

/**
 * False-negative audit of one source task: among documents the task does NOT label relevant, those every
 * judge calls relevant (the vote's positives), per query; and the converse for labelled positives.
 */
export interface FalseNegativeAudit {
  task: string;
  queries: number;
  labelled_pairs: number;
  unlabelled_pairs: number;
  /** Labelled positives that every judge rejects (≤ the negative threshold). */
  labelled_rejected: number;
  unlabelled_relevant_total: number;
  unlabelled_relevant_per_query: Distribution;
}

export interface CurationStats {
  rubric_version: string;
  judges: string[];
  thresholds: Thresholds;
  pairs: number;
  /** Pairs that every judge scored. */
  complete: number;
  decisions: { positive: number; negative: number; unsure: number };
  /** Per judge, `histograms[j][s - 1]` pairs scored s. */
  histograms: Record<string, number[]>;
  /** Per judge, pairs without a score (failure or never asked). */
  unscored: Record<string, number>;
  fleiss: { kappa: number | null; items: number };
  cohen: PairwiseKappa[];
  positives_per_query: Distribution;
  false_negative_audit: FalseNegativeAudit[];
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Mean, nearest-rank median and 90th percentile, max, and the value counts. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = (q: number) => (n === 0 ? 0 : sorted[Math.max(0, Math.ceil(q * n) - 1)]);
  const counts: Record<string, number> = {};
  for (const v of sorted) counts[v] = (counts[v] ?? 0) + 1;
  return {
    n,
    mean: n === 0 ? 0 : sorted.reduce((s, v) => s + v, 0) / n,
    median: rank(0.5),
    p90: rank(0.9),
    max: n === 0 ? 0 : sorted[n - 1],
    counts,
  };
}

/** Per query (task and query id), how many of its pairs satisfy `pick`; queries with none count as 0. */
function perQuery(voted: readonly VotedPair[], pick: (v: VotedPair) => boolean): number[] {
  const counts = new Map<string, number>();
  for (const v of voted) {
    const key = `${v.pair.task}\0${v.pair.query_id}`;
    counts.set(key, (counts.get(key) ?? 0) + (pick(v) ? 1 : 0));
  }
  return [...counts.values()];
}

export function falseNegativeAudit(task: string, voted: readonly VotedPair[]): FalseNegativeAudit {
  const unlabelledRelevant = perQuery(voted, (v) => v.pair.labelled !== true && v.decision === "positive");
  return {
    task,
    queries: unlabelledRelevant.length,
    labelled_pairs: voted.filter((v) => v.pair.labelled === true).length,
    unlabelled_pairs: voted.filter((v) => v.pair.labelled !== true).length,
    labelled_rejected: voted.filter((v) => v.pair.labelled === true && v.decision === "negative").length,
    unlabelled_relevant_total: unlabelledRelevant.reduce((s, x) => s + x, 0),
    unlabelled_relevant_per_query: distribution(unlabelledRelevant),
  };
}

/**
 * Every statistic of a curation run from its votes: agreement (Fleiss over pairs every judge scored,
 * Cohen per judge pair over pairs both scored), score histograms, positives per query, and the
 * false-negative audit for each task whose pool knows which pairs were labelled.
 */
export function curationStats(
  voted: readonly VotedPair[],
  judges: readonly string[],
  rubricVersion: string,
  t: Thresholds = DEFAULT_THRESHOLDS,
): CurationStats {
  const histograms: Record<string, number[]> = {};
  const unscored: Record<string, number> = {};
  judges.forEach((j, k) => {
    histograms[j] = SCALE.map(() => 0);
    unscored[j] = 0;
    for (const v of voted) {
      const s = v.scores[k];
      if (s === null) unscored[j]++;
      else histograms[j][s - 1]++;
    }
  });
  const complete = voted.filter((v) => v.scores.every((s) => s !== null)).map((v) => v.scores as number[]);
  const cohen: PairwiseKappa[] = [];
  for (let a = 0; a < judges.length; a++) {
    for (let b = a + 1; b < judges.length; b++) {
      const both = voted.filter((v) => v.scores[a] !== null && v.scores[b] !== null);
      const xa = both.map((v) => v.scores[a] as number);
      const xb = both.map((v) => v.scores[b] as number);
      cohen.push({
        a: judges[a],
        b: judges[b],
        items: both.length,
        kappa: finiteOrNull(cohenKappa(xa, xb, SCALE)),
        kappa_quadratic: finiteOrNull(cohenKappa(xa, xb, SCALE, "quadratic")),
      });
    }
  }
  const decisions = { positive: 0, negative: 0, unsure: 0 };
  for (const v of voted) decisions[v.decision]++;
  const audits: FalseNegativeAudit[] = [];
  for (const [task, vs] of byTask(voted)) {
    if (vs.some((v) => v.pair.labelled !== undefined)) audits.push(falseNegativeAudit(task, vs));
  }
  return {
    rubric_version: rubricVersion,
    judges: [...judges],
    thresholds: t,
    pairs: voted.length,
    complete: complete.length,
    decisions,
    histograms,
    unscored,
    fleiss: {
      kappa: judges.length >= 2 ? finiteOrNull(fleissKappaFromRatings(complete, SCALE)) : null,
      items: complete.length,
    },
    cohen,
    positives_per_query: distribution(perQuery(voted, (v) => v.decision === "positive")),
    false_negative_audit: audits,
  };
}
