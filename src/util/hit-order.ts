import { CareError } from "../core/errors.js";
import type { Hit } from "../core/bench-model.js";

/**
 * trec_eval breaks score ties with strcmp on the UTF-8 bytes of the document ids, which is code point
 * order. JS `<` compares UTF-16 code units, which differs only when a surrogate (a code point above
 * U+FFFF) meets a unit in U+E000..U+FFFF; remapping those two ranges at the first difference restores
 * code point order without encoding either string.
 */
export function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointKey(x) - codePointKey(y);
  }
  return a.length - b.length;
}

function codePointKey(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** trec_eval's ranking order: score descending, then document id descending (strcmp). */
export function compareHits(a: Hit, b: Hit): number {
  if (a.score > b.score) return -1;
  if (a.score < b.score) return 1;
  return compareIds(b.id, a.id);
}

/**
 * The hits of one query in the order trec_eval evaluates them. A document listed twice or a score that
 * is not a number makes the ranking meaningless (trec_eval refuses both), so both are errors.
 */
export function trecOrder(hits: readonly Hit[], query: string): Hit[] {
  const seen = new Set<string>();
  for (const h of hits) {
    if (Number.isNaN(h.score)) throw new CareError(`query "${query}": document "${h.id}" has a NaN score`);
    if (seen.has(h.id)) throw new CareError(`query "${query}": document "${h.id}" is ranked twice`);
    seen.add(h.id);
  }
  return [...hits].sort(compareHits);
}
