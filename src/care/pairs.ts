/**
 * Stage II's examples and batches: each query with its documents laid out as InfoNCE expects them
 * ([positive, G-1 hard negatives] per query, queries after one another), tokenised once up front.
 */
import type { Tensor } from "../runtime/session.js";
import { trainingFeeds } from "../train/feeds.js";
import { mixSeed, rng } from "../util/rng.js";
import type { PairRow } from "./data.js";

export interface PairExample {
  /** Position in the example list (seeds the group choice, so a resumed run draws the same groups). */
  index: number;
  /** Query token ids, instruction applied. */
  query: number[];
  /** Positives and hard negatives as indices into the document table. */
  pos: number[];
  neg: number[];
}

export interface PairSet {
  examples: PairExample[];
  /** Token ids of every distinct document text. */
  docs: number[][];
}

export function buildPairSet(
  rows: readonly PairRow[],
  encodeQuery: (row: PairRow) => number[],
  encodeDoc: (text: string) => number[],
): PairSet {
  const ids = new Map<string, number>();
  const docs: number[][] = [];
  const doc = (t: string): number => {
    let i = ids.get(t);
    if (i === undefined) {
      i = docs.length;
      ids.set(t, i);
      docs.push(encodeDoc(t));
    }
    return i;
  };
  const examples = rows.map((r, index) => ({
    index,
    query: encodeQuery(r),
    pos: r.pos.map(doc),
    neg: r.neg.map(doc),
  }));
  return { examples, docs };
}

/**
 * One query's group of document indices: a random positive, then G-1 negatives — a sample of its
 * hard negatives; all of them, repeated, when it has fewer (as FlagEmbedding does); and, for rows
 * with none (question-answer pairs), random documents of other rows.
 */
export function chooseGroup(
  ex: PairExample,
  groupSize: number,
  next: () => number,
  poolSize: number,
): number[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const group = [pick(ex.pos)];
  const want = groupSize - 1;
  if (ex.neg.length >= want) {
    const pool = [...ex.neg];
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(next() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
      group.push(pool[i]);
    }
  } else if (ex.neg.length > 0) {
    for (let i = 0; i < want; i++) group.push(ex.neg[i % ex.neg.length]);
  } else {
    const own = new Set(ex.pos);
    for (let i = 0; i < want; i++) {
      let d = Math.floor(next() * poolSize);
      // A tiny table may hold nothing but this row's positives; then any document serves.
      for (let tries = 0; own.has(d) && tries < 8; tries++) d = Math.floor(next() * poolSize);
      group.push(d);
    }
  }
  return group;
}

/** The groups of one batch, drawn from a seed that is a function of the batch's examples alone. */
export function batchGroups(
  batch: readonly PairExample[],
  set: PairSet,
  groupSize: number,
  seed: number,
): number[][] {
  const next = rng(mixSeed(seed, ...batch.map((e) => e.index)));
  return batch.map((e) => chooseGroup(e, groupSize, next, set.docs.length));
}

export interface PadSpec {
  padId: number;
  side: "left" | "right";
}

function prefixed(feeds: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, v]) => [prefix + k, v]));
}

/** Feeds for two encoders: `q.input_ids`/`q.attention_mask` [B, Lq] and `d.*` [B*G, Ld]. */
export function collateTwo(
  batch: readonly PairExample[],
  set: PairSet,
  groupSize: number,
  seed: number,
  q: PadSpec,
  d: PadSpec,
): Record<string, Tensor> {
  const docs = batchGroups(batch, set, groupSize, seed).flat();
  return {
    ...prefixed(
      trainingFeeds(
        batch.map((e) => e.query),
        { padId: q.padId, side: q.side },
      ),
      "q.",
    ),
    ...prefixed(
      trainingFeeds(
        docs.map((i) => set.docs[i]),
        { padId: d.padId, side: d.side },
      ),
      "d.",
    ),
  };
}

/** Feeds for one encoder on both sides: the B queries, then their B*G documents, in one batch. */
export function collateShared(
  batch: readonly PairExample[],
  set: PairSet,
  groupSize: number,
  seed: number,
  pad: PadSpec,
): Record<string, Tensor> {
  const docs = batchGroups(batch, set, groupSize, seed).flat();
  return trainingFeeds([...batch.map((e) => e.query), ...docs.map((i) => set.docs[i])], {
    padId: pad.padId,
    side: pad.side,
  });
}
