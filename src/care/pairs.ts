/**
 * Stage II's examples and batches: each query with its documents laid out as InfoNCE expects them
 * ([positive, G-1 hard negatives] per query, queries after one another), tokenised once up front.
 * A batch holds rows of one task type and no query twice, and a document labelled positive for a query
 * is masked out of that query's negatives wherever it turns up in the batch (no false negatives from
 * the batch itself).
 */
import type { Tensor } from "../runtime/session.js";
import { trainingFeeds } from "../train/feeds.js";
import type { EpochOrder } from "../train/trainer.js";
import { mixSeed, permutation, rng } from "../util/rng.js";
import type { PairRow } from "./data.js";

export interface PairExample {
  /** Position in the example list (seeds the group choice, so a resumed run draws the same groups). */
  index: number;
  /** Query token ids, instruction applied. */
  query: number[];
  /** Positives and hard negatives as indices into the document table. */
  pos: number[];
  neg: number[];
  /** The row's task type (batches hold one type). */
  type: string;
  /** Index of the query's text among the distinct query texts (a batch holds each at most once). */
  queryKey: number;
  /** Every document labelled positive for this query text, over all its rows. */
  labeled: number[];
}

/** Logit bias for a masked candidate: exp(-1e4 / t) is 0 at any temperature used here. */
export const MASKED_LOGIT = -1e4;

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
  const keys = new Map<string, number>();
  const positives: Set<number>[] = [];
  const examples = rows.map((r, index) => {
    let queryKey = keys.get(r.query);
    if (queryKey === undefined) {
      queryKey = keys.size;
      keys.set(r.query, queryKey);
      positives.push(new Set());
    }
    const pos = r.pos.map(doc);
    for (const p of pos) positives[queryKey].add(p);
    return {
      index,
      query: encodeQuery(r),
      pos,
      neg: r.neg.map(doc),
      type: r.type,
      queryKey,
      labeled: [] as number[],
    };
  });
  for (const e of examples) e.labeled = [...positives[e.queryKey]];
  return { examples, docs };
}

/**
 * The visiting order of one epoch: rows shuffled within their task type and cut into batches of
 * `batchSize` rows of that type, each query text at most once a batch (a repeat waits for the next
 * batch); a type's last short batch is filled with other rows of the type drawn at random. The batches
 * are then shuffled together. The length is the same every epoch (a function of the type counts).
 */
export function typedBatchOrder(
  examples: readonly Pick<PairExample, "type" | "queryKey">[],
  batchSize: number,
  seed: number,
): EpochOrder {
  const byType = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const list = byType.get(e.type) ?? [];
    list.push(i);
    byType.set(e.type, list);
  });
  const types = [...byType.keys()].sort();
  const length = types.reduce((s, t) => s + Math.ceil(byType.get(t)!.length / batchSize) * batchSize, 0);
  return {
    length,
    epoch(epoch: number): number[] {
      const batches: number[][] = [];
      types.forEach((t, ti) => {
        const all = byType.get(t)!;
        const next = rng(mixSeed(seed, epoch, ti, 0x7b));
        const queue = permutation(all.length, mixSeed(seed, epoch, ti)).map((j) => all[j]);
        const want = Math.ceil(all.length / batchSize);
        for (let b = 0; b < want; b++) {
          const batch: number[] = [];
          const seen = new Set<number>();
          const deferred: number[] = [];
          while (batch.length < batchSize && queue.length) {
            const i = queue.shift()!;
            if (seen.has(examples[i].queryKey)) deferred.push(i);
            else {
              seen.add(examples[i].queryKey);
              batch.push(i);
            }
          }
          queue.unshift(...deferred);
          // Fill a short batch from the type's other rows; a type with fewer distinct queries than a
          // batch has to repeat one.
          for (let tries = 0; batch.length < batchSize; tries++) {
            const i = all[Math.floor(next() * all.length)];
            if (tries > 8 * batchSize || !seen.has(examples[i].queryKey)) {
              seen.add(examples[i].queryKey);
              batch.push(i);
            }
          }
          batches.push(batch);
        }
      });
      return permutation(batches.length, mixSeed(seed, epoch, 0xba7c)).flatMap((b) => batches[b]);
    },
  };
}

/**
 * [B, B*G] logit bias for `groups` laid out as InfoNCE reads them: MASKED_LOGIT where a candidate is a
 * labelled positive of the query other than the query's own positive (column i*G), 0 elsewhere.
 */
export function pairMask(
  batch: readonly Pick<PairExample, "labeled">[],
  groups: readonly number[][],
): Float32Array {
  const docs = groups.flat();
  const G = groups[0]?.length ?? 1;
  const mask = new Float32Array(batch.length * docs.length);
  batch.forEach((e, i) => {
    const labeled = new Set(e.labeled);
    docs.forEach((d, j) => {
      if (j !== i * G && labeled.has(d)) mask[i * docs.length + j] = MASKED_LOGIT;
    });
  });
  return mask;
}

function maskFeed(batch: readonly PairExample[], groups: number[][]): Tensor {
  const docs = groups.reduce((s, g) => s + g.length, 0);
  return { dtype: "float32", shape: [batch.length, docs], data: pairMask(batch, groups) };
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

/**
 * Feeds for two encoders: `q.input_ids`/`q.attention_mask` [B, Lq], `d.*` [B*G, Ld] and the
 * false-negative `mask` [B, B*G].
 */
export function collateTwo(
  batch: readonly PairExample[],
  set: PairSet,
  groupSize: number,
  seed: number,
  q: PadSpec,
  d: PadSpec,
): Record<string, Tensor> {
  const groups = batchGroups(batch, set, groupSize, seed);
  const docs = groups.flat();
  return {
    mask: maskFeed(batch, groups),
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

/**
 * Feeds for one encoder on both sides: the B queries, then their B*G documents, in one batch, and the
 * false-negative `mask` [B, B*G].
 */
export function collateShared(
  batch: readonly PairExample[],
  set: PairSet,
  groupSize: number,
  seed: number,
  pad: PadSpec,
): Record<string, Tensor> {
  const groups = batchGroups(batch, set, groupSize, seed);
  const docs = groups.flat();
  return {
    mask: maskFeed(batch, groups),
    ...trainingFeeds([...batch.map((e) => e.query), ...docs.map((i) => set.docs[i])], {
      padId: pad.padId,
      side: pad.side,
    }),
  };
}
