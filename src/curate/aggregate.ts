import type { Doc } from "../core/doc.js";
import {
  DEFAULT_MAIN_SCORE,
  type Query,
  type RankingData,
  type StsPair,
  type TaskMeta,
} from "../core/task.js";
import { type Qrels } from "../core/qrels.js";
import type { Pair } from "./pair.js";

/**
 * The voting rule: a pair is positive only when every judge scores it at or above `positiveMin`, negative
 * only when every judge scores it at or below `negativeMax`, and unsure (kept out of the task) otherwise —
 * including when any judge has no score for it.
 */
export type Decision = "positive" | "negative" | "unsure";

export interface Thresholds {
  positiveMin: number;
  negativeMax: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { positiveMin: 4, negativeMax: 2 };

export function decide(
  scores: readonly (number | null | undefined)[],
  t: Thresholds = DEFAULT_THRESHOLDS,
): Decision {
  if (scores.length === 0 || scores.some((s) => s === null || s === undefined)) return "unsure";
  const s = scores as number[];
  if (s.every((x) => x >= t.positiveMin)) return "positive";
  if (s.every((x) => x <= t.negativeMax)) return "negative";
  return "unsure";
}

/** A pair with its judges' scores (aligned with a judge list; null = no score) and the vote's decision. */
export interface VotedPair {
  pair: Pair;
  scores: (number | null)[];
  decision: Decision;
}

/**
 * Graded relevance written to qrels for a positive: the lowest judge score relative to the threshold
 * (4 → 1, 5 → 2 at the default), so nDCG rewards documents that every judge found fully relevant.
 */
export function relevanceGrade(scores: readonly number[], t: Thresholds = DEFAULT_THRESHOLDS): number {
  return Math.min(...scores) - t.positiveMin + 1;
}

export interface CuratedCounts {
  queries: number;
  docs: number;
  positives: number;
  negatives: number;
  unsure: number;
}

/** The original task a pool was drawn from: its corpus, queries and meta carry over into the curated task. */
export interface BaseTask {
  meta: TaskMeta;
  data: RankingData;
}

function metaFor(
  task: string,
  type: "retrieval" | "reranking" | "sts",
  judges: string[],
  base?: TaskMeta,
): TaskMeta {
  const meta: TaskMeta = {
    name: `${task}-curated`,
    type,
    split: base?.split ?? "test",
    main_score: DEFAULT_MAIN_SCORE[type],
    description: `${task} relabelled by unanimous vote of ${judges.length} LLM judges (${judges.join(", ")})`,
    source: base?.source ?? task,
  };
  if (base?.query_instruction !== undefined) meta.query_instruction = base.query_instruction;
  return meta;
}

function countDecisions(
  voted: readonly VotedPair[],
): Pick<CuratedCounts, "positives" | "negatives" | "unsure"> {
  const c = { positives: 0, negatives: 0, unsure: 0 };
  for (const v of voted) {
    if (v.decision === "positive") c.positives++;
    else if (v.decision === "negative") c.negatives++;
    else c.unsure++;
  }
  return c;
}

/**
 * A retrieval or reranking task from the votes on one task's pool.
 * Retrieval: qrels hold the positives; queries without any are left out (metrics would drop them).
 * With the original task the whole original corpus stays, so unsure documents remain unjudged in it
 * (the BEIR convention); without it the corpus is the pooled documents.
 * Reranking: each query's candidates are its positives and negatives — unsure pairs are not candidates —
 * and a query needs at least one of each to rank anything.
 */
export function buildRankingTask(
  task: string,
  type: "retrieval" | "reranking",
  voted: readonly VotedPair[],
  judges: string[],
  t: Thresholds = DEFAULT_THRESHOLDS,
  base?: BaseTask,
): { meta: TaskMeta; data: RankingData; counts: CuratedCounts } {
  const qrels: Qrels = new Map();
  const negatives = new Map<string, string[]>();
  const queryText = new Map<string, string>();
  const pooledDocs = new Map<string, Doc>();
  for (const v of voted) {
    const { query_id, doc_id } = v.pair;
    queryText.set(query_id, v.pair.query);
    if (v.decision === "unsure") continue;
    pooledDocs.set(doc_id, { id: doc_id, text: v.pair.doc });
    if (v.decision === "positive") {
      if (!qrels.has(query_id)) qrels.set(query_id, new Map());
      qrels.get(query_id)!.set(doc_id, relevanceGrade(v.scores as number[], t));
    } else {
      if (!negatives.has(query_id)) negatives.set(query_id, []);
      negatives.get(query_id)!.push(doc_id);
    }
  }
  const baseDocs = base ? new Map(base.data.corpus.map((d) => [d.id, d])) : undefined;
  const docOf = (id: string) => baseDocs?.get(id) ?? pooledDocs.get(id)!;
  const queryOrder: Query[] = base ? base.data.queries : [...queryText].map(([id, text]) => ({ id, text }));

  let queries: Query[];
  let corpus: Doc[];
  let candidates: Map<string, string[]> | undefined;
  if (type === "retrieval") {
    queries = queryOrder.filter((q) => qrels.has(q.id));
    corpus = base ? base.data.corpus : [...pooledDocs.values()];
  } else {
    candidates = new Map();
    for (const q of queryOrder) {
      const pos = qrels.get(q.id);
      const neg = negatives.get(q.id);
      if (pos && neg) candidates.set(q.id, [...pos.keys(), ...neg]);
    }
    queries = queryOrder.filter((q) => candidates!.has(q.id));
    for (const id of [...qrels.keys()]) if (!candidates.has(id)) qrels.delete(id);
    const used = new Set([...candidates.values()].flat());
    corpus = [...used].map(docOf);
  }
  const data: RankingData = { corpus, queries, qrels };
  if (candidates) data.candidates = candidates;
  return {
    meta: metaFor(task, type, judges, base?.meta),
    data,
    counts: { queries: queries.length, docs: corpus.length, ...countDecisions(voted) },
  };
}

/**
 * An STS task from the votes: every decided pair, scored by the mean of its judges' scores on the 1–5
 * scale (the graded similarity); unsure pairs are left out.
 */
export function buildStsTask(
  task: string,
  voted: readonly VotedPair[],
  judges: string[],
  base?: TaskMeta,
): { meta: TaskMeta; pairs: StsPair[]; counts: CuratedCounts } {
  const pairs: StsPair[] = [];
  for (const v of voted) {
    if (v.decision === "unsure") continue;
    const s = v.scores as number[];
    pairs.push({
      sentence1: v.pair.query,
      sentence2: v.pair.doc,
      score: s.reduce((a, b) => a + b, 0) / s.length,
    });
  }
  const meta = { ...metaFor(task, "sts", judges, base), min_score: 1, max_score: 5 };
  return { meta, pairs, counts: { queries: pairs.length, docs: pairs.length, ...countDecisions(voted) } };
}
