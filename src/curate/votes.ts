import { decide, DEFAULT_THRESHOLDS, type Thresholds, type VotedPair } from "./aggregate.js";
import type { Pair } from "./pair.js";
import type { JudgmentStore } from "./store.js";

/**
 * Joins pairs with the judges' latest stored scores under one rubric version and applies the vote.
 * `judges` fixes which judges must agree (and the order of `scores`).
 */
export async function collectVotes(
  pairs: AsyncIterable<Pair> | Iterable<Pair>,
  store: JudgmentStore,
  judges: readonly string[],
  rubricVersion: string,
  t: Thresholds = DEFAULT_THRESHOLDS,
): Promise<VotedPair[]> {
  const out: VotedPair[] = [];
  for await (const pair of pairs) {
    const latest = store.latestForPair(pair.pair_id, rubricVersion);
    const scores = judges.map((j) => latest.get(j)?.score ?? null);
    out.push({ pair, scores, decision: decide(scores, t) });
  }
  return out;
}

/** Votes grouped by task, in first-seen order. */
export function byTask(voted: readonly VotedPair[]): Map<string, VotedPair[]> {
  const out = new Map<string, VotedPair[]>();
  for (const v of voted) {
    if (!out.has(v.pair.task)) out.set(v.pair.task, []);
    out.get(v.pair.task)!.push(v);
  }
  return out;
}
