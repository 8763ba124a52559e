/**
 * A labelled toy retrieval set over the tiny vocabulary: 11 topics, each with two characters its
 * queries are written in and two different characters its documents are written in. Matching a query
 * to its topic's document needs the labels: the two sides share no characters, so no alignment of
 * text with itself (stage I) can do it.
 */
import { rng } from "../../src/util/rng.js";
import { CHARS } from "./tiny.js";

export const TOPICS = 11;
/** The instruction every toy row carries, in the vocabulary but in no topic. */
export const PROMPT = CHARS.slice(44).join("");

export interface ToyRow {
  topic: number;
  query: string;
  pos: string[];
  neg: string[];
  prompt: string;
  type: string;
}

export function toySet(seed: number) {
  const next = rng(seed);
  const text = (cs: string[]) =>
    Array.from({ length: 4 + Math.floor(next() * 4) }, () => cs[Math.floor(next() * cs.length)]).join("");
  const qChars = (t: number) => CHARS.slice(4 * t, 4 * t + 2);
  const dChars = (t: number) => CHARS.slice(4 * t + 2, 4 * t + 4);
  /** Every third row has no hard negatives, as question-answer rows have none. */
  const rows = (n: number): ToyRow[] =>
    Array.from({ length: n }, (_, i) => {
      const topic = i % TOPICS;
      const neg =
        i % 3 === 0
          ? []
          : [text(dChars((topic + 1 + (i % (TOPICS - 1))) % TOPICS)), text(dChars((topic + 3) % TOPICS))];
      return {
        topic,
        query: text(qChars(topic)),
        pos: [text(dChars(topic))],
        neg,
        prompt: PROMPT,
        type: "normal",
      };
    });
  return { rows, docs: () => Array.from({ length: TOPICS }, (_, t) => text(dChars(t))) };
}

export function toJsonl(rows: ToyRow[]): string {
  return rows.map(({ topic: _topic, ...r }) => JSON.stringify(r)).join("\n") + "\n";
}
