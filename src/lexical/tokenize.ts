import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";

let jieba: Jieba | undefined;

/** jieba with its bundled dictionary; @node-rs/jieba starts with an empty one. Loading takes ~0.3 s, once. */
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

// A token made only of whitespace, punctuation or symbols (，。？ / % & ...) carries no term.
const NOT_A_TERM = /^[\s\p{P}\p{S}]*$/u;

/**
 * Terms of a text for lexical matching: NFKC first (full-width Ｂ、１ match ASCII B, 1), then jieba's
 * precise mode with HMM for unknown words (Python jieba's default), then lower case; whitespace,
 * punctuation and symbol tokens are dropped.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const t of segmenter().cut(text.normalize("NFKC"), true)) {
    if (!NOT_A_TERM.test(t)) out.push(t.toLowerCase());
  }
  return out;
}
