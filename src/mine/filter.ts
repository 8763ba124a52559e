import { decide, DEFAULT_THRESHOLDS, type Decision, type Thresholds } from "../curate/aggregate.js";
import type { Judge, JudgeInput } from "../curate/judge.js";
import { pairId } from "../curate/pair.js";
import { RUBRIC_VERSION } from "../curate/rubric.js";
import { runJudges } from "../curate/runner.js";
import { JudgmentStore } from "../curate/store.js";
import { contentId } from "../data/ids.js";
import { overlapKey } from "../data/splits.js";
import { Progress } from "../util/progress.js";
import { readMinedRows, RETRIEVAL_TYPE, stage2Row, type Candidate, type MinedRow } from "./records.js";
import { fileIdentity, ResumableJsonl, runChunks } from "./resumable.js";
import { writeStage1 } from "./self-pairs.js";

/** What happens to a candidate every judge calls relevant: an unlabelled positive. */
export type FalseNegativeAction = "promote" | "drop";

export interface FilterOptions {
  /** Output of `care mine negatives`. */
  in: string;
  /** Stage-II triplets. */
  out: string;
  /** Stage-I self-pairs from every query and document of the output; none when undefined. */
  stage1?: string;
  /** Opened judges; none (or empty) keeps every candidate as a negative, unjudged. */
  judges?: readonly Judge[];
  /** Judgment store folder; required with judges. Shared with curation: judgments are reused. */
  judgments?: string;
  falseNegatives: FalseNegativeAction;
  /** Candidates neither unanimously relevant nor unanimously irrelevant: kept as negatives, or left out. */
  unsure?: "keep" | "drop";
  thresholds?: Thresholds;
  /** Negatives per output row (labelled ones first, then candidates in rank order). */
  maxNegatives: number;
  /** `type` for rows that carry none. */
  defaultType?: string;
  /** Rows per committed chunk (and per judging round). */
  chunkSize?: number;
  progress?: boolean;
}

export interface FilterCounts {
  rows: number;
  candidates: number;
  /** Candidates every judge called relevant. */
  false_negatives: number;
  promoted: number;
  dropped: number;
  unsure: number;
  unsure_dropped: number;
  negatives_written: number;
  rows_without_negatives: number;
  stage1_texts: number;
}

/** The pair the judges see for a candidate; its id keys the judgment store, so reruns reuse judgments. */
export function candidatePair(query: string, c: Candidate): JudgeInput {
  return { pair_id: pairId("mine", contentId("q", query), c.id, query, c.text), query, doc: c.text };
}

/**
 * One row's stage-II output from its candidates' decisions: a unanimous "positive" is a false negative
 * (promoted to `pos` or dropped), the rest are hard negatives after the row's labelled ones (unsure
 * ones unless told to drop them). Texts already among the positives or negatives are not repeated.
 */
export function filterRow(
  row: MinedRow,
  decisions: readonly Decision[],
  o: Pick<FilterOptions, "falseNegatives" | "unsure" | "maxNegatives" | "defaultType">,
  counts: FilterCounts,
) {
  const pos = [...row.pos];
  const seen = new Set(pos.map(overlapKey));
  seen.add(overlapKey(row.query));
  const neg: string[] = [];
  const addNeg = (t: string) => {
    const k = overlapKey(t);
    if (seen.has(k) || neg.length >= o.maxNegatives) return;
    seen.add(k);
    neg.push(t);
  };
  for (const t of row.neg) addNeg(t);
  row.candidates.forEach((c, i) => {
    counts.candidates++;
    const d = decisions[i];
    if (d === "positive") {
      counts.false_negatives++;
      if (o.falseNegatives === "drop") counts.dropped++;
      else if (!seen.has(overlapKey(c.text))) {
        seen.add(overlapKey(c.text));
        pos.push(c.text);
        counts.promoted++;
      }
      return;
    }
    if (d === "unsure") {
      counts.unsure++;
      if (o.unsure === "drop") {
        counts.unsure_dropped++;
        return;
      }
    }
    addNeg(c.text);
  });
  counts.rows++;
  counts.negatives_written += neg.length;
  if (neg.length === 0) counts.rows_without_negatives++;
  return stage2Row(row, pos, neg, o.defaultType ?? RETRIEVAL_TYPE);
}

/**
 * `care mine filter`: the curation judges (same rubric, runner, store and unanimous vote as curation)
 * label every candidate of every row; false negatives are promoted or dropped, the rest stay hard
 * negatives; the result is stage-II triplets, then stage-I self-pairs from them. Rows stream in chunks:
 * a chunk's pairs are judged (each judgment stored the moment it arrives), voted on and written, then
 * committed, so a rerun after a crash asks only the judgments it lacks and writes identical output.
 * Without judges every candidate is a negative: the judge-free path.
 */
export async function filterNegatives(o: FilterOptions): Promise<FilterCounts> {
  const judges = o.judges ?? [];
  const t = o.thresholds ?? DEFAULT_THRESHOLDS;
  const initial: FilterCounts = {
    rows: 0,
    candidates: 0,
    false_negatives: 0,
    promoted: 0,
    dropped: 0,
    unsure: 0,
    unsure_dropped: 0,
    negatives_written: 0,
    rows_without_negatives: 0,
    stage1_texts: 0,
  };
  if (judges.length > 0 && !o.judgments)
    throw new Error("filterNegatives: judges need a judgment store folder");
  const out = ResumableJsonl.open(
    o.out,
    {
      kind: "mine-filter",
      in: fileIdentity(o.in),
      judges: judges.map((j) => j.name),
      rubric: RUBRIC_VERSION,
      thresholds: t,
      false_negatives: o.falseNegatives,
      unsure: o.unsure ?? "keep",
      max_negatives: o.maxNegatives,
      default_type: o.defaultType ?? RETRIEVAL_TYPE,
    },
    initial,
  );
  const store = judges.length > 0 ? JudgmentStore.open(o.judgments!) : undefined;
  try {
    const progress = o.progress ? new Progress("filtering", undefined, "rows") : undefined;
    progress?.tick(out.rowsDone);
    await runChunks(
      readMinedRows(o.in),
      out,
      o.chunkSize ?? 256,
      async (chunk) => {
        const pairs = chunk.map(({ row }) => row.candidates.map((c) => candidatePair(row.query, c)));
        if (store) await runJudges(pairs.flat(), judges, store);
        chunk.forEach(({ row }, r) => {
          const decisions = pairs[r].map((p): Decision => {
            if (!store) return "negative";
            const latest = store.latestForPair(p.pair_id, RUBRIC_VERSION);
            return decide(
              judges.map((j) => latest.get(j.name)?.score ?? null),
              t,
            );
          });
          out.write(filterRow(row, decisions, o, out.counts));
        });
      },
      (n) => progress?.tick(n),
    );
    progress?.finish();
    if (o.stage1) out.counts.stage1_texts = await writeStage1(out.partialFile, o.stage1);
    out.commit(out.rowsDone);
    out.finish();
    return out.counts;
  } finally {
    out.close();
    store?.close();
  }
}
