import { createHash } from "node:crypto";

/**
 * The deterministic split of sources that ship only a train file. A record goes to the held-out
 * (evaluation) side when the SHA-1 of its group key, read as a number in [0, 1), falls below the
 * source's fraction. SHA-1 rather than Math.random or a seed: the split depends on the text alone, so it
 * is the same in every run, on every machine, and whatever order or subset of the file is read.
 *
 * Group keys keep related records together, so held-out text does not leak into training through a
 * sibling record:
 *   KUAKE-QQR, Tianchi: query1 (each query1 comes with a dozen or more query2 variants);
 *   medical-dialogue: the answer (a few answers serve several questions).
 */
export type HeldOutSource = "kuake-qqr" | "tianchi" | "medical-dialogue";

export const HELD_OUT_FRACTION: Readonly<Record<HeldOutSource, number>> = {
  // ~80 of 797 query1 groups, ~1.5k of 15k pairs.
  "kuake-qqr": 0.1,
  // ~300 of 1510 query1 groups, ~1.7k of 8.7k pairs.
  tianchi: 0.2,
  // ~1.8k of 7.2k answers form the corpus; queries are the part of it below DIALOGUE_QUERY_FRACTION.
  "medical-dialogue": 0.25,
};

/**
 * Held-out dialogue records below this point are also queries (~950); the rest of the held-out answers
 * stay in the corpus as distractors, which keeps the query count, and BM25's time, small.
 */
export const DIALOGUE_QUERY_FRACTION = 0.13;

/** Where a key falls in [0, 1): the first 32 bits of SHA-1(source NUL key). */
export function splitPoint(source: HeldOutSource, key: string): number {
  const h = createHash("sha1").update(`${source}\u0000${key}`, "utf8").digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

export function isHeldOut(source: HeldOutSource, groupKey: string): boolean {
  return splitPoint(source, groupKey) < HELD_OUT_FRACTION[source];
}

/**
 * The form in which texts are compared for overlap: Unicode NFKC (full-width ？ and ASCII ? agree),
 * lower case, whitespace removed. Two texts that differ only so are the same question to a model.
 */
export function overlapKey(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, "");
}

/**
 * A set of texts compared by overlapKey. Training-set builders fill one with every text of the
 * evaluation suite (see suiteTextSet in ./suite.ts) and drop any training record that touches it.
 */
export class TextSet {
  private readonly keys = new Set<string>();

  add(text: string): void {
    const k = overlapKey(text);
    if (k !== "") this.keys.add(k);
  }

  has(text: string): boolean {
    return this.keys.has(overlapKey(text));
  }

  /** True when any of the texts is in the set: the test a training record must fail to be kept. */
  hasAny(texts: Iterable<string>): boolean {
    for (const t of texts) if (this.has(t)) return true;
    return false;
  }

  get size(): number {
    return this.keys.size;
  }
}
